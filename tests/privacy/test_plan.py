"""The plan's nodes: public headcounts of parents are at least their children's total."""

from __future__ import annotations

from service.privacy.plan import build_nodes


def test_a_parent_counts_at_least_the_people_of_its_children() -> None:
    # root (left at 0) -> a (30, more than its children's 25), b (0) -> b1 (12), b2 (8).
    units = [(1, None, "r"), (2, 1, "r/a"), (3, 1, "r/b"), (4, 2, "r/a/x"), (5, 3, "r/b/1"),
             (6, 3, "r/b/2")]  # fmt: skip
    nodes = build_nodes(units, 1, {1: 0, 2: 30, 3: 0, 4: 25, 5: 12, 6: 8})
    size = {n.unit_id: n.headcount for n in nodes if not n.direct}
    assert size == {1: 50, 2: 30, 3: 20, 4: 25, 5: 12, 6: 8}
    assert all(n.headcount == 0 for n in nodes if n.direct)
