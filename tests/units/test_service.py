from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service import db
from service.errors import (
    DuplicateUnit,
    InvalidCsv,
    InvalidInput,
    UnitCycle,
    UnitInUse,
    UnitNotFound,
)
from service.units import queries, service
from service.units.schemas import UnitCreate, UnitUpdate
from tests.factories import (
    add_program,
    add_wave,
    audit_actions,
    make_staff,
    make_unit,
    principal_for,
)

# Marked here, not only by the root conftest: anyio then keeps the parametrize ids.
pytestmark = pytest.mark.anyio


async def subtree(conn: Any, path: str) -> list[tuple[str, int]]:
    return [(u.path, u.depth) for u in await queries.list_units(conn, path)]


# --- finding a unit by reference -------------------------------------------------------


async def test_a_unit_is_found_by_id_path_or_unique_slug(conn: Any) -> None:
    root = await make_unit(conn)
    station = await make_unit(conn, root, slug="zz-unique-station")

    for ref in (
        str(station["unit_id"]),
        station["path"],
        "zz-unique-station",
        " /" + station["path"],
    ):
        assert (await service.fetch_unit_by_ref(conn, ref)).unit_id == station["unit_id"]


async def test_a_slug_used_twice_is_ambiguous_and_the_detail_asks_for_the_full_path(
    conn: Any,
) -> None:
    root = await make_unit(conn)
    await make_unit(conn, await make_unit(conn, root), slug="zz-shift-a")
    await make_unit(conn, await make_unit(conn, root), slug="zz-shift-a")

    with pytest.raises(UnitNotFound, match="full path"):
        await service.fetch_unit_by_ref(conn, "zz-shift-a")


async def test_a_root_is_found_by_its_slug_even_when_a_descendant_shares_it(conn: Any) -> None:
    root = await make_unit(conn, slug="zz-same")
    await make_unit(conn, root, slug="zz-same")

    assert (await service.fetch_unit_by_ref(conn, "zz-same")).unit_id == root["unit_id"]


@pytest.mark.parametrize(
    "ref",
    ["", "  ", "no-such-unit-zz", "no/such/path", "Station 7", "a\x00b", "9" * 30, "x" * 5000],
)
async def test_an_unknown_or_malformed_ref_is_unit_not_found(conn: Any, ref: str) -> None:
    with pytest.raises(UnitNotFound):
        await service.fetch_unit_by_ref(conn, ref)


# --- creating --------------------------------------------------------------------------


async def test_creating_units_builds_paths_and_depths_and_audits(conn: Any) -> None:
    root = await service.create_unit(
        conn, None, UnitCreate(slug="zz-county", name="County", headcount=0)
    )
    battalion = await service.create_unit(
        conn, None, UnitCreate(slug="battalion-1", name="Battalion 1", parent="zz-county")
    )
    station = await service.create_unit(
        conn,
        None,
        UnitCreate(slug="station-7", name="Station 7", headcount=24, parent=battalion.unit_id),
    )

    assert (root.path, root.depth, root.parent_id) == ("zz-county", 0, None)
    assert (station.path, station.depth) == ("zz-county/battalion-1/station-7", 2)
    assert station.parent_id == battalion.unit_id
    assert station.headcount == 24
    assert (await audit_actions(conn))[-3:] == ["create.unit"] * 3


async def test_a_slug_already_used_by_a_sibling_is_refused(conn: Any) -> None:
    root = await make_unit(conn)
    await make_unit(conn, root, slug="station-7")

    with pytest.raises(DuplicateUnit, match="station-7"):
        await service.create_unit(
            conn, None, UnitCreate(slug="station-7", name="Again", parent=root["unit_id"])
        )


async def test_the_same_slug_under_different_parents_is_fine(conn: Any) -> None:
    root = await make_unit(conn)
    for parent in (await make_unit(conn, root), await make_unit(conn, root)):
        await service.create_unit(
            conn, None, UnitCreate(slug="shift-a", name="A shift", parent=parent["unit_id"])
        )


@pytest.mark.parametrize("parent", ["zz-nowhere", "zz/nowhere", 987654321])
async def test_creating_under_an_unknown_parent_is_unit_not_found(
    conn: Any, parent: str | int
) -> None:
    with pytest.raises(UnitNotFound):
        await service.create_unit(conn, None, UnitCreate(slug="x", name="X", parent=parent))


async def test_a_path_that_would_grow_too_long_is_refused(conn: Any) -> None:
    unit = await make_unit(conn, slug="a" * 64)
    for _ in range(14):
        unit = await make_unit(conn, unit, slug="a" * 64)

    with pytest.raises(InvalidInput):
        await service.create_unit(
            conn, None, UnitCreate(slug="b" * 64, name="Deep", parent=unit["unit_id"])
        )


# --- renaming --------------------------------------------------------------------------


async def test_a_new_slug_rewrites_the_paths_of_the_whole_subtree(conn: Any) -> None:
    root = await make_unit(conn)
    battalion = await make_unit(conn, root, slug="battalion-1")
    station = await make_unit(conn, battalion, slug="station-7")
    await make_unit(conn, station, slug="shift-a")
    await make_unit(conn, root, slug="battalion-10")

    renamed = await service.rename_unit(
        conn, None, battalion["unit_id"], UnitUpdate(slug="north", name="North")
    )

    assert (renamed.slug, renamed.name, renamed.path) == ("north", "North", root["path"] + "/north")
    assert await subtree(conn, renamed.path) == [
        (root["path"] + "/north", 1),
        (root["path"] + "/north/station-7", 2),
        (root["path"] + "/north/station-7/shift-a", 3),
    ]
    assert await queries.fetch_unit_by_path(conn, root["path"] + "/battalion-10") is not None
    assert (await audit_actions(conn))[-1] == "update.unit"


async def test_a_new_name_or_headcount_leaves_paths_alone(conn: Any) -> None:
    root = await make_unit(conn)
    station = await make_unit(conn, root, slug="station-7", headcount=3)

    renamed = await service.rename_unit(conn, None, station["unit_id"], UnitUpdate(headcount=30))

    assert (renamed.path, renamed.name, renamed.headcount) == (station["path"], station["name"], 30)


async def test_renaming_to_a_siblings_slug_is_refused_and_changes_nothing(conn: Any) -> None:
    root = await make_unit(conn)
    a = await make_unit(conn, root, slug="a")
    await make_unit(conn, a, slug="child")
    await make_unit(conn, root, slug="b")

    with pytest.raises(DuplicateUnit):
        await service.rename_unit(conn, None, a["unit_id"], UnitUpdate(slug="b", name="B"))

    assert await subtree(conn, a["path"]) == [(a["path"], 1), (a["path"] + "/child", 2)]


async def test_renaming_an_unknown_unit_is_unit_not_found(conn: Any) -> None:
    with pytest.raises(UnitNotFound):
        await service.rename_unit(conn, None, 987654321, UnitUpdate(name="X"))


# --- moving ----------------------------------------------------------------------------


async def test_moving_a_unit_rewrites_paths_and_depths_of_its_subtree(conn: Any) -> None:
    root = await make_unit(conn)
    old = await make_unit(conn, root, slug="old")
    new = await make_unit(conn, await make_unit(conn, root, slug="b"), slug="new")
    station = await make_unit(conn, old, slug="station")
    await make_unit(conn, station, slug="shift-a")

    moved = await service.move_unit(conn, None, station["unit_id"], new["path"])

    assert (moved.parent_id, moved.path, moved.depth) == (
        new["unit_id"],
        new["path"] + "/station",
        3,
    )
    assert await subtree(conn, moved.path) == [
        (new["path"] + "/station", 3),
        (new["path"] + "/station/shift-a", 4),
    ]
    assert await subtree(conn, old["path"]) == [(old["path"], 1)]
    assert (await audit_actions(conn))[-1] == "move.unit"


async def test_moving_a_unit_to_the_top_makes_it_a_root(conn: Any) -> None:
    root = await make_unit(conn)
    branch = await make_unit(conn, root, slug="zz-branch-to-root")
    await make_unit(conn, branch, slug="leaf")

    moved = await service.move_unit(conn, None, branch["unit_id"], None)

    assert (moved.parent_id, moved.path, moved.depth) == (None, "zz-branch-to-root", 0)
    assert await subtree(conn, "zz-branch-to-root") == [
        ("zz-branch-to-root", 0),
        ("zz-branch-to-root/leaf", 1),
    ]


async def test_moving_a_unit_below_itself_is_refused(conn: Any) -> None:
    unit = await make_unit(conn, await make_unit(conn))

    with pytest.raises(UnitCycle):
        await service.move_unit(conn, None, unit["unit_id"], unit["unit_id"])


async def test_moving_a_unit_below_its_own_descendant_is_refused(conn: Any) -> None:
    root = await make_unit(conn)
    unit = await make_unit(conn, root)
    grandchild = await make_unit(conn, await make_unit(conn, unit))

    with pytest.raises(UnitCycle):
        await service.move_unit(conn, None, unit["unit_id"], grandchild["path"])

    assert (await queries.fetch_unit(conn, unit["unit_id"])) is not None
    assert len(await subtree(conn, unit["path"])) == 3


async def test_moving_next_to_a_sibling_with_the_same_slug_is_refused(conn: Any) -> None:
    root = await make_unit(conn)
    a = await make_unit(conn, root, slug="a")
    b = await make_unit(conn, root, slug="b")
    await make_unit(conn, b, slug="station-1")
    wandering = await make_unit(conn, a, slug="station-1")

    with pytest.raises(DuplicateUnit):
        await service.move_unit(conn, None, wandering["unit_id"], b["unit_id"])


async def test_moving_to_the_current_parent_changes_nothing(conn: Any) -> None:
    root = await make_unit(conn)
    unit = await make_unit(conn, root)

    moved = await service.move_unit(conn, None, unit["unit_id"], root["path"])

    assert moved.path == unit["path"]


async def test_moving_below_an_unknown_parent_is_unit_not_found(conn: Any) -> None:
    unit = await make_unit(conn, await make_unit(conn))

    with pytest.raises(UnitNotFound):
        await service.move_unit(conn, None, unit["unit_id"], "zz-nowhere/at-all")


# --- deleting --------------------------------------------------------------------------


async def test_a_leaf_that_nothing_uses_is_deleted_and_audited(conn: Any) -> None:
    leaf = await make_unit(conn, await make_unit(conn))

    await service.delete_unit(conn, None, leaf["unit_id"])

    assert await queries.fetch_unit(conn, leaf["unit_id"]) is None
    assert (await audit_actions(conn))[-1] == "delete.unit"


async def test_a_unit_with_children_is_not_deleted(conn: Any) -> None:
    root = await make_unit(conn)
    await make_unit(conn, root, slug="kid")

    with pytest.raises(UnitInUse, match=r"child units.*kid"):
        await service.delete_unit(conn, None, root["unit_id"])


async def test_the_root_of_a_program_is_not_deleted(conn: Any) -> None:
    root = await make_unit(conn)
    await add_program(conn, root, name="Pulse zz")

    with pytest.raises(UnitInUse, match=r"root unit of a program.*: Pulse zz"):
        await service.delete_unit(conn, None, root["unit_id"])


async def test_a_unit_that_staff_are_scoped_to_is_not_deleted(conn: Any) -> None:
    unit = await make_unit(conn, await make_unit(conn))
    await make_staff(conn, role="leader", unit=unit, email="captain-zz@example.org")

    with pytest.raises(UnitInUse, match="captain-zz@example"):
        await service.delete_unit(conn, None, unit["unit_id"])


@pytest.mark.parametrize("status", ["open", "closed", "released"])
async def test_a_unit_in_a_program_whose_waves_have_opened_is_not_deleted(
    conn: Any, status: str
) -> None:
    root = await make_unit(conn)
    leaf = await make_unit(conn, await make_unit(conn, root))
    program_id = await add_program(conn, root, name="History zz")
    await add_wave(conn, program_id)
    await add_wave(conn, program_id, status=status)

    with pytest.raises(UnitInUse, match=r"waves have opened.*History zz"):
        await service.delete_unit(conn, None, leaf["unit_id"])


async def test_a_unit_in_a_program_with_only_scheduled_waves_may_be_deleted(conn: Any) -> None:
    root = await make_unit(conn)
    leaf = await make_unit(conn, root)
    await add_wave(conn, await add_program(conn, root))

    await service.delete_unit(conn, None, leaf["unit_id"])

    assert await queries.fetch_unit(conn, leaf["unit_id"]) is None


async def test_a_unit_outside_a_programs_subtree_is_not_held_by_its_waves(conn: Any) -> None:
    root = await make_unit(conn)
    surveyed = await make_unit(conn, root, slug="surveyed")
    other = await make_unit(conn, root, slug="surveyed-not")
    await add_wave(conn, await add_program(conn, surveyed), status="open")

    await service.delete_unit(conn, None, other["unit_id"])


async def test_every_reason_is_listed_at_once(conn: Any) -> None:
    root = await make_unit(conn)
    await make_unit(conn, root)
    await add_program(conn, root)
    await make_staff(conn, role="leader", unit=root)

    with pytest.raises(UnitInUse) as caught:
        await service.delete_unit(conn, None, root["unit_id"])

    assert len(caught.value.extra["reasons"]) == 3


async def test_deleting_an_unknown_unit_is_unit_not_found(conn: Any) -> None:
    with pytest.raises(UnitNotFound):
        await service.delete_unit(conn, None, 987654321)


# --- who sees what ---------------------------------------------------------------------


async def test_a_leader_lists_only_their_subtree(conn: Any) -> None:
    root = await make_unit(conn)
    mine = await make_unit(conn, root, slug="mine")
    await make_unit(conn, mine, slug="kid")
    await make_unit(conn, root, slug="mine-not")
    leader = principal_for(await make_staff(conn, role="leader", unit=mine))

    listed = await service.list_units(conn, leader)

    assert [u.path for u in listed] == [mine["path"], mine["path"] + "/kid"]


async def test_a_leader_asking_for_a_unit_outside_scope_is_refused(conn: Any) -> None:
    root = await make_unit(conn)
    mine = await make_unit(conn, root)
    other = await make_unit(conn, root)
    leader = principal_for(await make_staff(conn, role="leader", unit=mine))

    # Outside the scope is the same answer as no such unit (issue 12).
    with pytest.raises(UnitNotFound):
        await service.list_units(conn, leader, under=other["path"])
    with pytest.raises(UnitNotFound):
        await service.list_units(conn, leader, under=root["path"])
    with pytest.raises(UnitNotFound):
        await service.fetch_unit(conn, leader, other["unit_id"])
    assert (await service.fetch_unit(conn, leader, mine["unit_id"])).unit_id == mine["unit_id"]


@pytest.mark.parametrize(
    ("role", "scoped"), [("admin", False), ("researcher", False), ("researcher", True)]
)
async def test_admins_and_unscoped_researchers_see_everything(
    conn: Any, role: str, scoped: bool
) -> None:
    root = await make_unit(conn)
    mine = await make_unit(conn, root)
    other = await make_unit(conn, root)
    viewer = principal_for(await make_staff(conn, role=role, unit=mine if scoped else None))  # type: ignore[arg-type]

    listed = {u.unit_id for u in await service.list_units(conn, viewer)}

    assert (other["unit_id"] in listed) is not scoped
    assert mine["unit_id"] in listed


async def test_the_operator_lists_a_subtree_by_reference(conn: Any) -> None:
    root = await make_unit(conn)
    station = await make_unit(conn, root)
    await make_unit(conn, root)

    listed = await service.list_units(conn, None, under=str(station["unit_id"]))

    assert [u.unit_id for u in listed] == [station["unit_id"]]


# --- CSV import ------------------------------------------------------------------------

ORG_CSV = """path,name,headcount
county-fire/battalion-1/station-7/shift-a,Station 7 A shift,8
county-fire,County Fire,0
county-fire/battalion-1/station-7,Station 7,24
county-fire/battalion-1,Battalion 1,120
county-fire/battalion-2,Battalion 2,90
"""


async def test_importing_a_csv_creates_the_tree_with_parents_in_any_order(conn: Any) -> None:
    report = await service.import_units_csv(conn, None, ORG_CSV)

    assert report.created == [
        "county-fire/battalion-1/station-7/shift-a",
        "county-fire",
        "county-fire/battalion-1/station-7",
        "county-fire/battalion-1",
        "county-fire/battalion-2",
    ]
    assert (report.updated, report.unchanged, report.rows, report.dry_run) == ([], [], 5, False)
    shift = await service.fetch_unit_by_ref(conn, "county-fire/battalion-1/station-7/shift-a")
    station = await service.fetch_unit_by_ref(conn, "county-fire/battalion-1/station-7")
    assert (shift.parent_id, shift.depth, shift.name, shift.headcount) == (
        station.unit_id,
        3,
        "Station 7 A shift",
        8,
    )
    assert (await audit_actions(conn))[-1] == "import.units"


async def test_importing_the_same_file_twice_changes_nothing_the_second_time(conn: Any) -> None:
    await service.import_units_csv(conn, None, ORG_CSV)
    before = await subtree(conn, "county-fire")
    audits = len(await audit_actions(conn))

    again = await service.import_units_csv(conn, None, ORG_CSV)

    assert (again.created, again.updated) == ([], [])
    assert sorted(again.unchanged) == sorted(path for path, _ in before)
    assert await subtree(conn, "county-fire") == before
    assert len(await audit_actions(conn)) == audits


async def test_an_import_updates_names_and_headcounts_of_existing_units(conn: Any) -> None:
    await service.import_units_csv(conn, None, ORG_CSV)

    report = await service.import_units_csv(
        conn,
        None,
        "path,name,headcount\n"
        "county-fire,County Fire,0\n"
        "county-fire/battalion-1,Battalion One,120\n"
        "county-fire/battalion-2,Battalion 2,95\n"
        "county-fire/battalion-2/station-9,Station 9,30\n",
    )

    assert report.created == ["county-fire/battalion-2/station-9"]
    assert report.updated == ["county-fire/battalion-1", "county-fire/battalion-2"]
    assert report.unchanged == ["county-fire"]
    one = await service.fetch_unit_by_ref(conn, "county-fire/battalion-1")
    two = await service.fetch_unit_by_ref(conn, "county-fire/battalion-2")
    assert (one.name, two.headcount) == ("Battalion One", 95)


async def test_an_import_may_hang_new_units_below_units_already_in_the_tree(conn: Any) -> None:
    root = await make_unit(conn)

    report = await service.import_units_csv(
        conn, None, f"path,name,headcount\n{root['path']}/station-1,Station 1,12\n"
    )

    assert report.created == [root["path"] + "/station-1"]


async def test_a_dry_run_reports_the_same_and_writes_nothing(conn: Any) -> None:
    audits = len(await audit_actions(conn))

    preview = await service.import_units_csv(conn, None, ORG_CSV, dry_run=True)

    assert preview.dry_run is True
    assert await queries.fetch_unit_by_path(conn, "county-fire") is None
    assert len(await audit_actions(conn)) == audits
    real = await service.import_units_csv(conn, None, ORG_CSV)
    assert (preview.created, preview.updated, preview.unchanged) == (
        real.created,
        real.updated,
        real.unchanged,
    )


async def test_the_header_may_come_in_another_order_with_a_bom_and_crlf(conn: Any) -> None:
    report = await service.import_units_csv(
        conn, None, '\ufeffName,headcount,path\r\n"Fire, County",3,zz-fire\r\n'
    )

    assert report.created == ["zz-fire"]
    assert (await service.fetch_unit_by_ref(conn, "zz-fire")).name == "Fire, County"


HEADER = "path,name,headcount\n"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (HEADER + "zz/Station 7,S,1\n", "line 2: path", "not a valid slug"),
        (HEADER + "zz,Z,1\nzz/-bad,B,1\n", "line 3: path", "not a valid slug"),
        (HEADER + "zz//x,X,1\n", "line 2: path", "not a valid slug"),
        (HEADER + ",X,1\n", "line 2: path", "empty"),
        (HEADER + "zz,Z,1\nzz,Z again,1\n", "line 3: path", "also appears on line 2"),
        (HEADER + "zz,Z,-3\n", "line 2: headcount", "whole number"),
        (HEADER + "zz,Z,2.5\n", "line 2: headcount", "whole number"),
        (HEADER + "zz,Z,many\n", "line 2: headcount", "whole number"),
        (HEADER + "zz,Z,\n", "line 2: headcount", "whole number"),
        (HEADER + "zz,Z,1000001\n", "line 2: headcount", "whole number"),
        (HEADER + "zz,,1\n", "line 2: name", "1–200"),
        (HEADER + "zz," + "n" * 201 + ",1\n", "line 2: name", "1–200"),
        (HEADER + "zz,Z\n", "line 2", "has 2 values"),
        (HEADER + "zz,Z,1,extra\n", "line 2", "has 4 values"),
        (HEADER + "zz,Z,1\n\n\nzz/a/b,B,1\n", "line 5: path", "parent 'zz/a'"),
        ("path,name\nzz,Z\n", "line 1: header", "missing headcount"),
        ("path,name,headcount,colour\nzz,Z,1,red\n", "line 1: header", "unknown 'colour'"),
        ("path,name,name,headcount\nzz,Z,Z,1\n", "line 1: header", "repeated name"),
        ("", "file", "empty"),
        ("  \n\n", "file", "empty"),
        (HEADER, "file", "no units"),
        (HEADER + 'zz,"unterminated,1\n', "line 2", "cannot be read as CSV"),
        (HEADER + "zz,Z,1\n" * 20_001, "file", "more than 20,000 rows"),
    ],
)
async def test_a_bad_csv_is_refused_with_the_line_and_field(
    conn: Any, text: str, field: str, message: str
) -> None:
    with pytest.raises(InvalidCsv) as caught:
        await service.import_units_csv(conn, None, text)

    errors = caught.value.errors or []
    assert any(e.field == field and message in e.message for e in errors), errors


async def test_every_bad_line_is_listed_and_nothing_is_written(conn: Any) -> None:
    text = HEADER + "zz-all,All,1\nzz-all/ok,OK,1\nzz-all/BAD,B,1\nzz-all/x,X,-1\nzz-none/y,Y,1\n"

    with pytest.raises(InvalidCsv) as caught:
        await service.import_units_csv(conn, None, text)

    assert [e.field for e in caught.value.errors or []] == [
        "line 4: path",
        "line 5: headcount",
    ]
    assert await queries.fetch_unit_by_path(conn, "zz-all") is None


async def test_unknown_parents_are_listed_once_the_rows_themselves_are_valid(conn: Any) -> None:
    with pytest.raises(InvalidCsv) as caught:
        await service.import_units_csv(conn, None, HEADER + "zz-a/b,B,1\nzz-c/d/e,E,1\n")

    assert [e.field for e in caught.value.errors or []] == ["line 2: path", "line 3: path"]


async def test_a_dry_run_of_a_bad_file_is_refused_the_same_way(conn: Any) -> None:
    with pytest.raises(InvalidCsv):
        await service.import_units_csv(conn, None, HEADER + "zz,Z,-1\n", dry_run=True)


async def test_a_file_with_very_many_errors_lists_the_first_hundred(conn: Any) -> None:
    with pytest.raises(InvalidCsv) as caught:
        await service.import_units_csv(conn, None, HEADER + "zz,Z,-1\n" * 500)

    errors = caught.value.errors or []
    assert len(errors) == 101
    assert errors[-1].message == "and 400 more errors not listed"


# --- limits and concurrency ------------------------------------------------------------


async def test_a_slug_change_that_would_make_a_descendant_path_too_long_is_refused(
    conn: Any,
) -> None:
    top = await make_unit(conn, slug="a")
    unit = top
    for _ in range(16):  # 977 characters: within the limit of 1,000 until "a" grows
        unit = await make_unit(conn, unit, slug="a" * 60)

    with pytest.raises(InvalidInput):
        await service.rename_unit(conn, None, top["unit_id"], UnitUpdate(slug="b" * 60))

    assert (await queries.fetch_unit(conn, top["unit_id"])) is not None
    assert await queries.fetch_unit_by_path(conn, "a") is not None


async def test_two_crossing_moves_at_once_cannot_make_a_cycle(database_url: str) -> None:
    first, second = await db.connect(database_url), await db.connect(database_url)
    try:
        root = await make_unit(first)
        x = await make_unit(first, root, slug="x")
        y = await make_unit(first, root, slug="y")
        moving = first.transaction()
        await moving.start()
        await service.move_unit(first, None, x["unit_id"], y["unit_id"])
        # Waits for the first move's lock, then sees y below x.
        crossing = asyncio.ensure_future(
            service.move_unit(second, None, y["unit_id"], x["unit_id"])
        )
        await asyncio.sleep(0.05)
        await moving.commit()

        with pytest.raises(UnitCycle):
            await crossing
        assert [u.path for u in await queries.list_units(second, root["path"])] == [
            root["path"],
            root["path"] + "/y",
            root["path"] + "/y/x",
        ]
    finally:
        await first.close()
        await second.close()
