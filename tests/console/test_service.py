"""The console's own pieces: the tree, the ledger chart's geometry, form messages, the audit
log's wording and the fixed flash messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.console import charts, forms
from service.console import service as console
from service.console.queries import AuditRow
from service.errors import FieldError, InvalidInput
from service.policy import PrivacyPolicy
from service.privacy.schemas import LedgerEntry, LedgerReport
from service.units.schemas import Unit
from tests.http import Signed

NOW = datetime(2031, 6, 1, tzinfo=UTC)


def _unit(unit_id: int, parent: int | None, path: str, headcount: int = 10) -> Unit:
    return Unit(
        unit_id=unit_id, parent_id=parent, slug=path.rsplit("/", 1)[-1], name=path,
        headcount=headcount, path=path, depth=path.count("/"),
    )  # fmt: skip


def test_the_tree_nests_a_depth_first_list() -> None:
    units = [_unit(1, None, "a"), _unit(2, 1, "a/b"), _unit(3, 2, "a/b/c"), _unit(4, 1, "a/d"),
             _unit(5, None, "e")]  # fmt: skip
    roots = console.unit_tree(units)
    assert [n.unit.path for n in roots] == ["a", "e"]
    assert [n.unit.path for n in roots[0].children] == ["a/b", "a/d"]
    assert [n.unit.path for n in roots[0].children[0].children] == ["a/b/c"]
    assert roots[0].children_headcount == 20


def test_a_subtree_without_its_parent_becomes_a_root() -> None:
    roots = console.unit_tree([_unit(2, 1, "a/b"), _unit(3, 2, "a/b/c")])
    assert [n.unit.path for n in roots] == ["a/b"]


def _entry(entry_id: int, days_ago: float, rho: float) -> LedgerEntry:
    return LedgerEntry(entry_id, 1, entry_id, "gaussian", rho, 0.0, 1e-7,
                       NOW - timedelta(days=days_ago))  # fmt: skip


def _report(entries: list[LedgerEntry], cap: float = 4.0) -> LedgerReport:
    return LedgerReport(program_id=1, mechanism="gaussian", annual_epsilon_cap=cap,
                        year_rho=None, year_epsilon=1.5, remaining_epsilon=2.5,
                        entries=entries)  # fmt: skip


def test_each_bar_stacks_on_the_year_before_it_and_the_old_release_is_left_out() -> None:
    entries = [_entry(1, 400, 0.05), _entry(2, 200, 0.01), _entry(3, 10, 0.01)]
    chart = charts.ledger_chart(_report(entries), PrivacyPolicy().delta, NOW, "P")
    assert [bar.entry.entry_id for bar in chart.bars] == [2, 3]
    first, second = chart.bars
    assert first.before == 0 and second.before == pytest.approx(first.total)
    # zCDP: two equal charges cost less than twice one of them.
    assert second.total < 2 * first.total
    assert second.before_h == pytest.approx(first.before_h + first.added_h, abs=0.05)
    assert second.added_y < first.added_y
    assert chart.bottom > chart.cap_y > chart.top
    assert all(chart.left <= bar.x < bar.x + bar.width <= chart.right for bar in chart.bars)


def test_the_scale_fits_a_year_spent_beyond_the_cap() -> None:
    chart = charts.ledger_chart(_report([_entry(1, 5, 2.0)], cap=1.0), 1e-7, NOW, "P")
    assert chart.bars[0].total > 1.0
    assert chart.bars[0].added_y >= chart.top


def test_an_empty_year_says_the_whole_cap_is_available() -> None:
    chart = charts.ledger_chart(_report([]), 1e-7, NOW, "Quarterly")
    assert chart.bars == []
    assert "nothing released in the last 365 days" in chart.summary


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Expected `float` <= 10 - at `$.policy.epsilon_per_wave`", "Enter a number at most 10."),
        ("Expected `int` >= 1", "Enter a whole number at least 1."),
        ("Expected `str` of length >= 1", "This cannot be empty."),
        ("Expected `str` of length <= 200", "Use at most 200 characters."),
        ("Invalid enum value 'x'", "Choose one of the options."),
    ],
)
def test_msgspec_messages_are_said_in_plain_words(message: str, expected: str) -> None:
    assert forms.friendly(message) == expected


def test_every_bad_field_is_reported_not_only_the_first() -> None:
    problems = forms.check_fields(
        PrivacyPolicy, {"epsilon_per_wave": 50.0, "delta": 0.5, "min_publish_count": 10},
        "policy.",
    )  # fmt: skip
    assert {p.field for p in problems} == {"policy.epsilon_per_wave", "policy.delta"}


def test_field_errors_go_beside_known_inputs_and_the_rest_to_the_form() -> None:
    exc = InvalidInput(
        "Correct the fields.",
        errors=[FieldError(field="instruments[1]", message="no instrument 'x' is loaded"),
                FieldError(field="window", message="too long"),
                FieldError(field="mystery", message="odd")],
    )  # fmt: skip
    errors = forms.problem_errors(exc, ("instruments", "window"), lists=("instruments",))
    assert errors["instruments"] == "No instrument 'x' is loaded."
    assert errors["window"] == "Too long."
    assert errors["form"] == "mystery: odd"


def test_a_problem_without_fields_shows_its_detail() -> None:
    errors = forms.problem_errors(InvalidInput("Ask for 1 to 2000 cards."), ("count",))
    assert errors == {"form": "Ask for 1 to 2000 cards."}


@pytest.mark.parametrize(
    ("staff_id", "email", "subject", "who"),
    [
        (None, None, {"via": "cli"}, "command line"),
        (None, None, {"via": "schedule", "by": "schedule"}, "schedule"),
        (4, "chief@example.org", {"via": "session"}, "chief@example.org"),
    ],
)
def test_the_audit_log_says_who_acted(
    staff_id: int | None, email: str | None, subject: dict[str, Any], who: str
) -> None:
    row = AuditRow(entry_id=1, staff_id=staff_id, email=email, action="wave.opened",
                   subject=subject, at=NOW)  # fmt: skip
    assert console.who_did(row) == who


def test_the_subject_reads_as_pairs_without_routing_details() -> None:
    text = console.describe_subject(
        {"via": "session", "wave_id": 3, "units": ["a", "b", "c", "d", "e", "f", "g"]}
    )
    assert text == "wave id: 3; units: a, b, c, d, e and 2 more"


def test_a_flash_message_is_one_of_the_fixed_ones(admin: Signed) -> None:
    page = admin.get("/console/units?done=units-imported&created=2&updated=x<b>")
    assert "The import was applied: 2 created, 0 updated, 0 unchanged." in page.text
    made_up = admin.get("/console/units?done=Your+account+is+locked")
    assert "Your account is locked" not in made_up.text
    assert 'class="flash"' not in made_up.text


def test_the_audit_log_is_paged_newest_first(admin: Signed, seed: Any) -> None:
    async def fill(conn: Any) -> None:
        for i in range(60):
            await conn.execute(
                "INSERT INTO audit (action, subject) VALUES ('test.entry', $1)", {"n": i}
            )

    seed(fill)
    first = admin.get("/console/audit")
    assert "Entries 1–50 of 60" in first.text
    assert ">n: 59</td>" in first.text and ">n: 9</td>" not in first.text
    assert 'href="/console/audit?page=2"' in first.text
    second = admin.get("/console/audit?page=2")
    assert "Entries 51–60 of 60" in second.text
    assert ">n: 9</td>" in second.text and 'href="/console/audit?page=1"' in second.text
