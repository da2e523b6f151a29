"""The one unit resolver: id, then full path, then a slug unique among the units the viewer
may see; outside the viewer's subtree is the same answer as no such unit."""

from __future__ import annotations

from typing import Any

import pytest

from service.auth.principal import Principal
from service.errors import UnitNotFound
from service.scope.service import resolve_unit, resolve_unit_id
from tests.factories import make_unit


def _leader(path: str, unit_id: int) -> Principal:
    return Principal(
        staff_id=1, email="l@example.org", role="leader", scope_unit_id=unit_id, scope_path=path,
        via="session",
    )  # fmt: skip


async def test_a_unit_is_found_by_path_by_unique_slug_and_by_id(conn: Any) -> None:
    root = await make_unit(conn, slug="qroot")
    child = await make_unit(conn, root, slug="qchild")
    for ref in ("qroot/qchild", "qchild", str(child["unit_id"]), child["unit_id"]):
        found = await resolve_unit(conn, None, ref)
        assert found.unit_id == child["unit_id"], ref


async def test_a_slug_two_units_share_finds_nothing(conn: Any) -> None:
    one, two = await make_unit(conn, slug="qa"), await make_unit(conn, slug="qb")
    await make_unit(conn, one, slug="shared-name")
    await make_unit(conn, two, slug="shared-name")
    with pytest.raises(UnitNotFound, match="Several units"):
        await resolve_unit(conn, None, "shared-name")
    found = await resolve_unit(conn, None, "qb/shared-name")
    assert found.path == "qb/shared-name"


async def test_digits_name_an_id_before_a_path(conn: Any) -> None:
    first = await make_unit(conn, slug="qfirst")
    numbered = await make_unit(conn, slug=str(first["unit_id"]))
    assert (await resolve_unit(conn, None, str(first["unit_id"]))).unit_id == first["unit_id"]
    assert numbered["unit_id"] != first["unit_id"]


async def test_outside_the_scope_is_the_same_answer_as_no_such_unit(conn: Any) -> None:
    one, two = await make_unit(conn, slug="qa"), await make_unit(conn, slug="qb")
    mine = await make_unit(conn, one, slug="shared-name")
    theirs = await make_unit(conn, two, slug="shared-name")
    leader = _leader("qa", one["unit_id"])
    # Among the units the leader sees, the slug is unique: the other one does not count.
    assert (await resolve_unit(conn, leader, "shared-name")).unit_id == mine["unit_id"]
    missing = 2**62
    for hidden, unknown in [
        (str(theirs["unit_id"]), str(missing)),
        ("qb/shared-name", "qb/no-such-unit"),
        ("qb", "qz"),
    ]:
        with pytest.raises(UnitNotFound) as seen:
            await resolve_unit(conn, leader, hidden)
        with pytest.raises(UnitNotFound) as absent:
            await resolve_unit(conn, leader, unknown)
        assert seen.value.detail == absent.value.detail.replace(unknown, hidden), hidden
    with pytest.raises(UnitNotFound) as seen:
        await resolve_unit_id(conn, leader, theirs["unit_id"])
    with pytest.raises(UnitNotFound) as absent:
        await resolve_unit_id(conn, leader, missing)
    assert seen.value.detail == absent.value.detail.replace(str(missing), str(theirs["unit_id"]))
