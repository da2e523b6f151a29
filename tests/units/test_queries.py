from __future__ import annotations

from typing import Any

import pytest

from service.units import queries
from tests.factories import add_program, add_wave, make_unit

# Marked here, not only by the root conftest: anyio then keeps the parametrize ids.
pytestmark = pytest.mark.anyio


async def test_a_subtree_leaves_out_siblings_whose_slug_shares_a_prefix(conn: Any) -> None:
    root = await make_unit(conn)
    station = await make_unit(conn, root, slug="station-1")
    await make_unit(conn, station, slug="shift-a")
    await make_unit(conn, root, slug="station-10")
    await make_unit(conn, root, slug="station-1-annex")

    found = await queries.list_units(conn, station["path"])

    assert [u.path for u in found] == [station["path"], station["path"] + "/shift-a"]


async def test_units_are_listed_depth_first_with_each_subtree_before_the_next_sibling(
    conn: Any,
) -> None:
    root = await make_unit(conn, slug="zz-order-root")
    a = await make_unit(conn, root, slug="a")
    await make_unit(conn, root, slug="a-b")
    await make_unit(conn, a, slug="c")
    await make_unit(conn, root, slug="b")

    found = await queries.list_units(conn, root["path"])

    assert [u.path.removeprefix("zz-order-root") for u in found] == [
        "",
        "/a",
        "/a/c",
        "/a-b",
        "/b",
    ]


async def test_updating_a_subtree_rewrites_every_path_and_depth_in_it(conn: Any) -> None:
    root = await make_unit(conn)
    left = await make_unit(conn, root, slug="left")
    right = await make_unit(conn, root, slug="right")
    child = await make_unit(conn, left, slug="child")
    await make_unit(conn, child, slug="grandchild")

    changed = await queries.update_subtree(
        conn,
        unit_id=child["unit_id"],
        old_path=child["path"],
        new_path=right["path"] + "/child",
        parent_id=right["unit_id"],
        slug="child",
        depth_delta=0,
    )

    assert changed == 2
    moved = await queries.list_units(conn, right["path"])
    assert [(u.path, u.depth) for u in moved] == [
        (right["path"], 1),
        (right["path"] + "/child", 2),
        (right["path"] + "/child/grandchild", 3),
    ]
    assert moved[1].parent_id == right["unit_id"]
    assert await queries.list_units(conn, left["path"]) == [
        await queries.fetch_unit(conn, left["unit_id"])
    ]


async def test_a_leaf_that_nothing_refers_to_has_no_uses(conn: Any) -> None:
    root = await make_unit(conn)
    leaf = await make_unit(conn, root)

    assert await queries.list_unit_uses(conn, leaf["unit_id"], leaf["path"]) == []


async def test_uses_name_the_children_and_the_program(conn: Any) -> None:
    root = await make_unit(conn)
    await make_unit(conn, root, slug="b-child")
    await make_unit(conn, root, slug="a-child")
    program_id = await add_program(conn, root, name="Quarterly pulse")
    await add_wave(conn, program_id, status="closed")

    uses = await queries.list_unit_uses(conn, root["unit_id"], root["path"])

    assert [(u.n, u.examples) for u in uses] == [
        (2, ["a-child", "b-child"]),
        (1, ["Quarterly pulse"]),
        (1, ["Quarterly pulse"]),
    ]
    assert "child units" in uses[0].reason
    assert "root unit of a program" in uses[1].reason
    assert "waves have opened" in uses[2].reason


async def test_insert_units_finds_parents_by_path(conn: Any) -> None:
    root = await make_unit(conn)

    await queries.insert_units(
        conn,
        [
            queries.NewUnitRow(
                path=root["path"] + "/new",
                slug="new",
                name="New",
                headcount=4,
                depth=1,
                parent_path=root["path"],
            )
        ],
    )

    new = await queries.fetch_unit_by_path(conn, root["path"] + "/new")
    assert new is not None
    assert (new.parent_id, new.depth, new.headcount) == (root["unit_id"], 1, 4)
