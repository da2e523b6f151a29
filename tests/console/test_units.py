"""Units through the console: the tree, one unit's forms, delete with confirmation, and the
CSV import whose preview writes nothing until it is confirmed."""

from __future__ import annotations

import html
from typing import Any

from litestar.testing import TestClient

from tests.factories import make_tree
from tests.http import Seed, Signed

CSV = (
    "path,name,headcount\n"
    "metro-ems,Metro EMS,90\n"
    "metro-ems/north,North,40\n"
    "metro-ems/south,South,50\n"
)


def _count(seed: Seed, sql: str, *args: Any) -> Any:
    return seed(lambda conn: conn.fetchval(sql, *args))


def test_the_tree_nests_units_with_their_headcounts(admin: Signed, seed: Seed) -> None:
    units = seed(lambda conn: make_tree(conn, (2,)))
    page = admin.get("/console/units")
    assert page.status_code == 200
    root, child = units[0], units[1]
    body = page.text
    nested = body[body.index(f'href="/console/units/{root["unit_id"]}"') :]
    assert f'href="/console/units/{child["unit_id"]}"' in nested.split("</li>\n  </ul>")[0]
    assert "20 people" in body


def test_the_import_preview_writes_nothing_until_it_is_confirmed(admin: Signed, seed: Seed) -> None:
    before = _count(seed, "SELECT count(*) FROM audit")
    preview = admin.post("/console/units/import", {"csv": CSV})
    assert preview.status_code == 200
    assert "3 to create" in preview.text
    assert "metro-ems/north" in preview.text
    assert _count(seed, "SELECT count(*) FROM unit") == 0
    assert _count(seed, "SELECT count(*) FROM audit") == before

    applied = admin.post("/console/units/import/confirm", {"csv": CSV})
    assert applied.status_code == 303
    assert applied.headers["location"].startswith("/console/units?done=units-imported&created=3")
    assert _count(seed, "SELECT count(*) FROM unit") == 3
    shown = admin.get(applied.headers["location"])
    assert "The import was applied: 3 created, 0 updated, 0 unchanged." in shown.text


def test_the_import_preview_shows_names_and_headcounts_before_and_after(
    admin: Signed, seed: Seed
) -> None:
    admin.post("/console/units/import/confirm", {"csv": CSV})
    changed = CSV.replace("North,40", "North Division,45")
    preview = admin.post("/console/units/import", {"csv": changed})
    assert "0 to create" in preview.text and "1 to update" in preview.text
    assert "<strong>North Division</strong>" in preview.text
    assert "<strong>45</strong>" in preview.text
    assert _count(seed, "SELECT name FROM unit WHERE path = 'metro-ems/north'") == "North"


def test_an_uploaded_file_is_previewed_like_pasted_lines(admin: Signed, seed: Seed) -> None:
    preview = admin.client.post(
        "/console/units/import",
        data={"csrf_token": admin.csrf},
        files={"file": ("units.csv", CSV.encode("utf-8-sig"), "text/csv")},
        headers={"Accept": "text/html"},
    )
    assert preview.status_code == 200
    assert "3 to create" in preview.text
    assert _count(seed, "SELECT count(*) FROM unit") == 0


def test_a_bad_csv_lists_its_problems_and_keeps_the_text(admin: Signed, seed: Seed) -> None:
    bad = "path,name,headcount\nMetro EMS,Metro,ten\n"
    page = admin.post("/console/units/import", {"csv": bad})
    assert page.status_code == 422
    assert "Nothing was imported" in page.text
    assert "line 2: path" in page.text and "line 2: headcount" in page.text
    assert html.escape(bad, quote=False) in page.text
    assert 'aria-describedby="f-csv-error"' in page.text
    assert _count(seed, "SELECT count(*) FROM unit") == 0


def test_an_empty_import_asks_for_a_file(admin: Signed) -> None:
    page = admin.post("/console/units/import", {"csv": "  "})
    assert page.status_code == 422
    assert "Choose a CSV file or paste its lines here." in page.text


def test_a_unit_with_a_bad_slug_comes_back_with_the_error_beside_the_field(
    admin: Signed, seed: Seed
) -> None:
    page = admin.post(
        "/console/units", {"name": "Station Seven", "slug": "Station 7!", "headcount": "many"}
    )
    assert page.status_code == 422
    body = page.text
    assert 'id="f-slug-error"' in body and 'id="f-headcount-error"' in body
    slug_input = body[body.index('id="f-slug"') : body.index(">", body.index('id="f-slug"'))]
    assert 'aria-invalid="true"' in slug_input
    assert "f-slug-error" in slug_input
    assert 'value="Station Seven"' in body and 'value="Station 7!"' in body
    assert 'value="many"' in body
    assert _count(seed, "SELECT count(*) FROM unit") == 0


def test_a_unit_is_created_renamed_and_moved(admin: Signed, seed: Seed) -> None:
    units = seed(lambda conn: make_tree(conn, (2,)))
    root, first, second = units[0], units[1], units[2]
    created = admin.post(
        "/console/units",
        {"name": "Crew A", "slug": "crew-a", "headcount": "6", "parent": first["path"]},
    )
    assert created.status_code == 303
    unit_id = int(created.headers["location"].split("/")[3].split("?")[0])
    assert "The unit was created." in admin.get(created.headers["location"]).text

    renamed = admin.post(
        f"/console/units/{unit_id}", {"name": "Crew Alpha", "slug": "crew-alpha", "headcount": "7"}
    )
    assert renamed.status_code == 303
    row = seed(lambda conn: conn.fetchrow("SELECT name, path, headcount FROM unit "
                                          "WHERE unit_id = $1", unit_id))  # fmt: skip
    assert (row["name"], row["path"], row["headcount"]) == (
        "Crew Alpha", f"{first['path']}/crew-alpha", 7,
    )  # fmt: skip

    moved = admin.post(f"/console/units/{unit_id}/move", {"parent": second["path"]})
    assert moved.status_code == 303
    assert _count(seed, "SELECT path FROM unit WHERE unit_id = $1", unit_id) == (
        f"{second['path']}/crew-alpha"
    )
    below_itself = admin.post(f"/console/units/{root['unit_id']}/move", {"parent": second["path"]})
    assert below_itself.status_code == 409
    assert 'id="f-parent-error"' in below_itself.text
    assert f'value="{second["path"]}"' in below_itself.text


def test_deleting_asks_for_confirmation_and_says_why_a_unit_in_use_stays(
    admin: Signed, seed: Seed
) -> None:
    units = seed(lambda conn: make_tree(conn, (1,)))
    root, leaf = units
    unconfirmed = admin.post(f"/console/units/{leaf['unit_id']}/delete")
    assert unconfirmed.status_code == 422
    assert 'id="f-confirm-error"' in unconfirmed.text
    assert _count(seed, "SELECT count(*) FROM unit") == 2

    in_use = admin.post(f"/console/units/{root['unit_id']}/delete", {"confirm": "yes"})
    assert in_use.status_code == 409
    assert "This unit cannot be deleted" in in_use.text
    assert "it has child units" in in_use.text and leaf["slug"] in in_use.text

    deleted = admin.post(f"/console/units/{leaf['unit_id']}/delete", {"confirm": "yes"})
    assert deleted.status_code == 303
    assert _count(seed, "SELECT count(*) FROM unit") == 1


def test_an_unknown_unit_is_a_404_page(admin: Signed, client: TestClient[Any]) -> None:
    page = admin.get("/console/units/999999")
    assert page.status_code == 404
    assert "No such unit" in page.text
