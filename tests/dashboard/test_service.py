"""Dashboard rules against the real database: scope, defaults, and what a release gives."""

from __future__ import annotations

from typing import Any

import pytest

from service.dashboard import service, views
from service.errors import InvalidInput, UnitNotFound, WaveNotFound
from tests.factories import SAFETY, make_staff, make_unit, principal_for, released_org, small_world


async def _viewer(conn: Any, role: str = "admin", unit: dict[str, Any] | None = None) -> Any:
    return principal_for(await make_staff(conn, role=role, unit=unit))  # type: ignore[arg-type]


async def test_the_overview_defaults_to_the_latest_released_wave(conn: Any) -> None:
    world = await small_world(conn)
    page = await service.overview(conn, await _viewer(conn))
    assert page.context.wave is not None and page.context.wave.wave_id == world.org.wave_ids[-1]
    assert page.context.previous is not None
    assert page.context.previous.wave_id == world.org.wave_ids[0]
    assert page.top is not None and page.top.unit.unit_id == world.id("root")
    assert [c.unit.name for c in page.children] == ["North Battalion", "South Battalion"]
    assert page.top.mean(SAFETY).value == pytest.approx(3.47)


async def test_unpublished_rows_reach_the_page_without_their_numbers(conn: Any) -> None:
    world = await small_world(conn)
    page = await service.unit_page(conn, await _viewer(conn), world.id("birch"))
    assert page.current is not None
    hidden = page.current.mean(SAFETY)
    assert not hidden.published
    assert (hidden.value, hidden.lower, hidden.upper, hidden.std_error) == (None,) * 4
    assert page.current.responses.value is None
    assert all(s.value is None for s in page.current.bands[SAFETY].values())


async def test_a_leader_above_the_programs_root_sees_it_from_its_root(conn: Any) -> None:
    world = await small_world(conn)
    # A department-wide chief over a program that covers only one battalion would see the
    # battalion as the top; here the program covers the department, the chief its battalion.
    page = await service.overview(conn, await _viewer(conn, "leader", world.unit["north"]))
    assert page.top is not None and page.top.unit.unit_id == world.id("north")
    assert page.context.top is not None and page.context.top.unit_id == world.id("north")


async def test_a_leader_whose_unit_holds_the_program_sees_the_program_root(conn: Any) -> None:
    world = await small_world(conn)
    # Move the program down to North: a leader of the whole department sees North as top.
    await conn.execute(
        "UPDATE program SET root_unit_id = $2 WHERE program_id = $1",
        world.org.program_id, world.id("north"),
    )  # fmt: skip
    page = await service.overview(conn, await _viewer(conn, "leader", world.unit["root"]))
    assert page.top is not None and page.top.unit.unit_id == world.id("north")


async def test_the_breadcrumb_and_comparisons_stop_at_the_viewers_scope(conn: Any) -> None:
    world = await small_world(conn)
    leader = await _viewer(conn, "leader", world.unit["north"])
    page = await service.unit_page(conn, leader, world.id("alder"))
    assert [u.name for u in page.breadcrumb] == ["North Battalion"]
    assert page.parent is not None and page.parent.unit.name == "North Battalion"
    assert page.org is not None and page.org.unit.name == "North Battalion"
    admin = await service.unit_page(conn, await _viewer(conn), world.id("alder"))
    assert [u.name for u in admin.breadcrumb] == ["Metro Fire Department", "North Battalion"]
    assert admin.org is not None and admin.org.unit.name == "Metro Fire Department"


@pytest.mark.parametrize("key", ["root", "south", "dogwood"])
async def test_a_unit_outside_the_leaders_subtree_is_refused(conn: Any, key: str) -> None:
    world = await small_world(conn)
    leader = await _viewer(conn, "leader", world.unit["north"])
    with pytest.raises(UnitNotFound) as refused:  # as if there were none (issue 12)
        await service.unit_page(conn, leader, world.id(key))
    assert world.unit[key]["name"] not in refused.value.detail


async def test_unknown_units_waves_and_scales_are_refused(conn: Any) -> None:
    world = await small_world(conn)
    admin = await _viewer(conn)
    with pytest.raises(UnitNotFound):
        await service.unit_page(conn, admin, 2**62)
    with pytest.raises(WaveNotFound):
        await service.overview(conn, admin, world.org.program_id, 2**62)
    with pytest.raises(InvalidInput):
        await service.overview(conn, admin, None, None, "openness/nothing")


async def test_a_unit_of_another_organisation_has_no_program_and_no_error(conn: Any) -> None:
    await small_world(conn)
    elsewhere = await make_unit(conn)
    page = await service.unit_page(conn, await _viewer(conn), elsewhere["unit_id"])
    assert page.context.program is None and page.current is None


async def test_a_real_release_renders_and_its_unpublished_values_stay_hidden(conn: Any) -> None:
    # The last station gets 3 responses a wave: the engine cannot publish it.
    org = await released_org(conn, shape=(2, 2), count=2, per_leaf=40, small_leaf=3)
    admin = await _viewer(conn)
    small = org.units[-1]
    rows = await conn.fetch(
        "SELECT statistic, value FROM release WHERE unit_id = $1 AND wave_id = $2"
        " AND NOT published AND statistic LIKE 'scale:%:mean'",
        small["unit_id"], org.wave_ids[-1],
    )  # fmt: skip
    assert rows, "the small station should not be published"
    page = await service.unit_page(conn, admin, small["unit_id"])
    context = views.unit_context(page)
    assert page.current is not None
    for row in rows:
        key = row["statistic"].removeprefix("scale:").removesuffix(":mean")
        assert page.current.mean(key).value is None
    overview = await service.overview(conn, admin)
    assert overview.top is not None and overview.top.responses.shown
    assert len(overview.context.waves) == 2
    assert context["trends"] and context["participation_history"].rows
