"""Cards and open links from the console: a download with the right headers, and codes that
exist nowhere but in the file."""

from __future__ import annotations

import argparse
import csv
import io
from typing import Any

from service.invitations.codes import hash_code
from tests.conftest import ROOT
from tests.factories import World, count_invitation_inserts, invitation_inserts
from tests.http import Seed, Signed


async def _every_text(conn: Any) -> str:
    """Every row of every table in the schema, as text."""
    tables = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    dump = []
    for row in tables:
        rows = await conn.fetch(f'SELECT t::text AS line FROM "{row["tablename"]}" t')
        dump.extend(r["line"] for r in rows)
    return "\n".join(dump)


def test_cards_download_as_a_file_whose_codes_are_stored_nowhere(
    admin: Signed, world: World, seed: Seed
) -> None:
    leaf = world["units"][3]
    response = admin.post(
        "/console/cards",
        {"wave": str(world["wave"]), "unit": leaf["path"], "count": "4", "format": "csv",
         "paper": "a4"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="muster-cards-wave-{world["wave"]}.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4
    codes = [row["code"] for row in rows]
    dump = seed(_every_text)
    for code in codes:
        assert code not in dump
        assert code.replace("-", "") not in dump
    stored = seed(lambda conn: conn.fetch("SELECT code_hash FROM invitation"))
    assert {bytes(r["code_hash"]) for r in stored} == {hash_code(c) for c in codes}


def test_cards_for_a_subtree_come_as_one_pdf(admin: Signed, world: World, seed: Seed) -> None:
    root = world["units"][0]
    response = admin.post(
        "/console/cards",
        {"wave": str(world["wave"]), "unit": root["path"], "count": "2", "format": "pdf",
         "paper": "letter", "include_subtree": "yes"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    leaves = len(world["units"]) - 3
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM invitation")) == 2 * leaves


def test_a_bad_card_request_comes_back_as_the_form_with_errors(
    admin: Signed, world: World, seed: Seed
) -> None:
    page = admin.post(
        "/console/cards",
        {"wave": str(world["wave"]), "unit": world["units"][3]["path"], "count": "0",
         "format": "csv", "paper": "a4"},
    )  # fmt: skip
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in page.headers
    assert 'id="f-count-error"' in page.text and 'value="0"' in page.text
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM invitation")) == 0


def test_open_links_are_refused_for_a_cards_wave_beside_the_wave_field(
    admin: Signed, world: World
) -> None:
    page = admin.post(
        "/console/open-links",
        {"wave": str(world["wave"]), "unit": world["units"][3]["path"], "format": "csv",
         "paper": "a4"},
    )  # fmt: skip
    assert page.status_code == 422
    assert 'id="f-wave-error"' in page.text
    assert "uses the &#39;cards&#39; distribution mode" in page.text


def test_the_cards_page_lists_only_waves_that_use_cards(admin: Signed, world: World) -> None:
    cards = admin.get("/console/cards")
    assert f'<option value="{world["wave"]}"' in cards.text
    links = admin.get("/console/open-links")
    assert f'<option value="{world["wave"]}"' not in links.text


async def _open_mode_wave(conn: Any) -> tuple[int, list[dict[str, Any]]]:
    from datetime import UTC, datetime, timedelta

    import msgspec

    from service.config import Settings
    from service.instruments.service import sync_instruments
    from service.programs import service as programs
    from service.programs.schemas import ProgramCreate
    from tests.factories import make_tree

    await sync_instruments(conn, Settings().surveys_path)
    units = await make_tree(conn, (3,))
    now = datetime.now(UTC)
    program = await programs.create_program(
        conn,
        None,
        msgspec.convert(
            {"name": "Open survey", "root_unit": units[0]["path"], "instruments": ["openness"],
             "cadence": "P3M", "starts_at": (now + timedelta(days=3)).isoformat(),
             "mode": "open"},
            ProgramCreate,
        ),
        now,
    )  # fmt: skip
    wave_id: int = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1", program.program_id
    )
    return wave_id, units


def test_open_links_for_a_subtree_download_as_one_csv(admin: Signed, seed: Seed) -> None:
    wave_id, units = seed(_open_mode_wave)
    page = admin.get("/console/open-links")
    assert f'<option value="{wave_id}"' in page.text
    response = admin.post(
        "/console/open-links",
        {"wave": str(wave_id), "unit": units[0]["path"], "include_subtree": "yes",
         "format": "csv", "paper": "a4"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(row["unit_path"] for row in rows) == sorted(u["path"] for u in units[1:])
    dump = seed(_every_text)
    assert all(row["code"] not in dump for row in rows)


def test_cards_left_uncounted_follow_each_units_headcount_plus_the_spare_share(
    admin: Signed, world: World, seed: Seed
) -> None:
    root = world["units"][0]
    leaves = [u for u in world["units"] if u["path"].count("/") == 2]
    sizes = {leaf["unit_id"]: 20 + 7 * i for i, leaf in enumerate(leaves)}

    async def set_headcounts(conn: Any) -> None:
        for unit_id, size in sizes.items():
            await conn.execute("UPDATE unit SET headcount = $2 WHERE unit_id = $1", unit_id, size)

    seed(set_headcounts)
    response = admin.post(
        "/console/cards",
        {"wave": str(world["wave"]), "unit": root["path"], "count": "", "spare_percent": "10",
         "format": "csv", "paper": "a4", "include_subtree": "yes"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    per_unit: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(response.text)):
        per_unit[row["unit_path"]] = per_unit.get(row["unit_path"], 0) + 1
    # 20 people + 10% is 22; 27 + 10% = 29.7 is rounded up to 30.
    expected = {leaf["path"]: -(-sizes[leaf["unit_id"]] * 110 // 100) for leaf in leaves}
    assert per_unit == expected
    assert expected[leaves[1]["path"]] == 30


def test_a_unit_without_headcount_asks_for_one_or_a_count(
    admin: Signed, world: World, seed: Seed
) -> None:
    leaf = world["units"][3]
    seed(lambda conn: conn.execute("UPDATE unit SET headcount = 0 WHERE unit_id = $1",
                                   leaf["unit_id"]))  # fmt: skip
    page = admin.post(
        "/console/cards",
        {"wave": str(world["wave"]), "unit": leaf["path"], "count": "", "spare_percent": "10",
         "format": "csv", "paper": "a4"},
    )  # fmt: skip
    assert page.status_code == 422
    assert 'id="f-count-error"' in page.text
    assert "no headcount" in page.text
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM invitation")) == 0


def test_the_card_csv_is_never_offered_for_mail_merge(admin: Signed, world: World) -> None:
    page = admin.get("/console/cards")
    assert page.status_code == 200
    assert "mail merge" not in page.text.lower()
    assert "never match codes to names" in page.text
    assert 'name="spare_percent"' in page.text and 'value="10"' in page.text


def test_no_card_help_calls_the_csv_a_mail_merge() -> None:
    """Cards are handed out at random; matching their codes to named people (a mail merge)
    would undo the anonymity they give. Only links mode, whose tickets are blind-signed,
    is meant for a mail system."""
    from service.cli import build_parser
    from service.invitations import files

    def sub(parser: Any, name: str) -> Any:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return actions[0].choices[name]

    cards = sub(sub(build_parser(), "invitations"), "cards")
    texts = [cards.format_help(), files.__doc__ or "", files.render_csv.__doc__ or ""]
    texts.append((ROOT / "README.md").read_text())
    texts += [p.read_text() for p in (ROOT / "docs").glob("*.md")]
    for text in texts:
        assert "mail merge" not in text.lower().replace("\n", " ").replace(
            "mail-merge", "mail merge"
        )
    assert "--spare-percent" in cards.format_help()


def test_cards_for_an_address_no_phone_reaches_are_refused_before_any_code_is_made(
    settings: Any, seed: Seed, world: World
) -> None:
    """The console on this machine with MUSTER_PUBLIC_URL unset: the refusal comes before
    the codes, so no invitation row is written, not even one rolled back afterwards."""
    from litestar.testing import TestClient

    from service.app import create_app
    from tests.http import sign_in

    seed(count_invitation_inserts)
    form = {"wave": str(world["wave"]), "unit": world["units"][3]["path"], "count": "3",
            "format": "csv", "paper": "a4"}  # fmt: skip
    with TestClient(create_app(settings), base_url="https://muster.localhost") as local:
        page = sign_in(local, seed, "admin").post("/console/cards", form)
    assert page.status_code == 422, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in page.headers
    assert "Set MUSTER_PUBLIC_URL (it is unset)" in page.text
    assert 'value="3"' in page.text  # the form, as it was filled in
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM invitation")) == 0
    assert seed(invitation_inserts) == 0
