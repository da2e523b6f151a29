from __future__ import annotations

import logging
from typing import Any

import pytest

from service.config import Settings, SettingsError
from service.errors import (
    InvalidInput,
    UnitNotFound,
    WaveClosed,
    WaveNotFound,
    WrongDistributionMode,
)
from service.invitations import files
from service.invitations import service as invitations
from service.invitations.codes import hash_code, normalise
from tests.factories import (
    BASE_URL,
    audit_rows,
    every_stored_text,
    forms_of,
    leaves,
    make_staff,
    make_tree,
    make_unit,
    principal_for,
    wave_of,
)

pytestmark = pytest.mark.anyio


async def stored_hashes(conn: Any, wave_id: int) -> dict[bytes, int]:
    rows = await conn.fetch("SELECT code_hash, unit_id FROM invitation WHERE wave_id = $1", wave_id)
    return {row["code_hash"]: row["unit_id"] for row in rows}


# --- cards -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "open"])
async def test_cards_are_stored_as_hashes_of_their_codes(conn: Any, status: str) -> None:
    units, wave_id = await wave_of(conn, status=status)
    station = units[-1]
    batch = await invitations.generate_cards(conn, None, wave_id, station["path"], 25)
    assert len(batch.cards) == 25
    assert {card.unit_path for card in batch.cards} == {station["path"]}
    assert {card.unit_name for card in batch.cards} == {station["name"]}
    stored = await stored_hashes(conn, wave_id)
    assert stored == {hash_code(card.code): station["unit_id"] for card in batch.cards}


async def test_no_table_holds_a_code_in_any_form(conn: Any) -> None:
    units, wave_id = await wave_of(conn, status="open")
    batch = await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 5)
    open_units, open_wave_id = await wave_of(conn, mode="open", status="open")
    links = await invitations.create_open_links(conn, None, open_wave_id, open_units[-1]["path"])
    everything = await every_stored_text(conn)
    # The search can find what it looks for: the stored hash, as PostgreSQL prints bytea.
    assert hash_code(batch.cards[0].code).hex() in everything
    secrets_ = [card.code for card in batch.cards] + [link.token for link in links.links]
    for code in secrets_:
        for form in forms_of(code):
            assert form not in everything, form


async def test_codes_are_unique_within_and_across_batches(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    first = await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 500)
    second = await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 500)
    codes = [card.code for card in first.cards + second.cards]
    assert len(set(codes)) == 1000
    assert len(await stored_hashes(conn, wave_id)) == 1000


async def test_a_batch_says_what_a_card_prints_about_its_wave(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    wave = await conn.fetchrow(
        """
        SELECT w.seq, w.opens_at, w.closes_at, w.survey_key, p.name
        FROM wave w JOIN program p USING (program_id) WHERE w.wave_id = $1
        """,
        wave_id,
    )
    batch = await invitations.generate_cards(conn, None, wave_id, units[1]["path"], 1)
    assert (batch.wave.wave_id, batch.wave.seq, batch.wave.program_name) == (
        wave_id,
        wave["seq"],
        wave["name"],
    )
    assert (batch.wave.opens_at, batch.wave.closes_at) == (wave["opens_at"], wave["closes_at"])
    assert batch.wave.survey_key == wave["survey_key"]


async def test_cards_within_a_unit_are_shuffled(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    batch = await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 200)
    printed = [hash_code(card.code) for card in batch.cards]
    rows = await conn.fetch(
        "SELECT code_hash FROM invitation WHERE wave_id = $1 ORDER BY ctid", wave_id
    )
    inserted = [row["code_hash"] for row in rows]
    assert sorted(printed) == sorted(inserted)
    # Printed in insertion (generation) order only once in 200! shuffles.
    assert printed != inserted


async def test_a_subtree_gets_count_cards_for_every_leaf_and_none_for_inner_units(
    conn: Any,
) -> None:
    units, wave_id = await wave_of(conn, shape=(2, 3))
    battalion = units[1]
    batch = await invitations.generate_cards(
        conn, None, wave_id, battalion["path"], 4, include_subtree=True
    )
    below = [u for u in leaves(units) if u["path"].startswith(battalion["path"] + "/")]
    assert len(below) == 3
    per_unit: dict[str, int] = {}
    for card in batch.cards:
        per_unit[card.unit_path] = per_unit.get(card.unit_path, 0) + 1
    assert per_unit == {unit["path"]: 4 for unit in below}
    assert [c.unit_path for c in batch.cards] == sorted(c.unit_path for c in batch.cards)
    assert sorted((await stored_hashes(conn, wave_id)).values()) == sorted(
        unit["unit_id"] for unit in below for _ in range(4)
    )


async def test_a_subtree_of_a_leaf_is_that_leaf(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    leaf = leaves(units)[0]
    batch = await invitations.generate_cards(
        conn, None, wave_id, leaf["path"], 3, include_subtree=True
    )
    assert {card.unit_path for card in batch.cards} == {leaf["path"]}


async def test_an_inner_unit_can_get_cards_of_its_own(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    batch = await invitations.generate_cards(conn, None, wave_id, units[0]["path"], 2)
    assert {card.unit_path for card in batch.cards} == {units[0]["path"]}
    assert set((await stored_hashes(conn, wave_id)).values()) == {units[0]["unit_id"]}


async def test_a_unit_may_be_named_by_slug_or_id(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    unit = units[-1]
    for ref in (unit["slug"], str(unit["unit_id"])):
        batch = await invitations.generate_cards(conn, None, wave_id, ref, 1)
        assert batch.cards[0].unit_path == unit["path"]


async def test_a_closed_wave_gets_no_cards(conn: Any) -> None:
    units, wave_id = await wave_of(conn, status="closed")
    with pytest.raises(WaveClosed) as caught:
        await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 5)
    assert caught.value.status == 409
    assert caught.value.extra["status"] == "closed"
    assert await stored_hashes(conn, wave_id) == {}


async def test_a_released_wave_gets_no_cards(conn: Any) -> None:
    units, wave_id = await wave_of(conn, status="closed")
    await conn.execute("UPDATE wave SET status = 'released' WHERE wave_id = $1", wave_id)
    with pytest.raises(WaveClosed):
        await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 5)


@pytest.mark.parametrize(
    ("mode", "status", "advice"),
    [
        ("open", "scheduled", "open-links"),
        ("open", "open", "open-links"),
        ("links", "scheduled", "before this wave opens"),
        ("links", "open", "create a new program"),
    ],
)
async def test_only_cards_mode_waves_get_cards(
    conn: Any, mode: str, status: str, advice: str
) -> None:
    units, wave_id = await wave_of(conn, mode=mode, status=status)
    with pytest.raises(WrongDistributionMode) as caught:
        await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 5)
    assert f"'{mode}' distribution mode" in caught.value.detail
    assert advice in caught.value.detail
    assert caught.value.extra["mode"] == mode


async def test_an_open_wave_keeps_the_mode_it_opened_with(conn: Any) -> None:
    units, wave_id = await wave_of(conn, mode="cards", status="open")
    # Even if the program row were changed behind the service's back, the frozen mode rules.
    await conn.execute(
        "UPDATE program SET mode = 'open' WHERE program_id = "
        "(SELECT program_id FROM wave WHERE wave_id = $1)",
        wave_id,
    )
    batch = await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 1)
    assert len(batch.cards) == 1


async def test_a_unit_outside_the_program_is_refused(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    elsewhere = (await make_tree(conn, (1,)))[-1]
    with pytest.raises(InvalidInput) as caught:
        await invitations.generate_cards(conn, None, wave_id, elsewhere["path"], 5)
    assert caught.value.errors is not None and caught.value.errors[0].field == "unit"
    assert units[0]["path"] in caught.value.detail
    # A sibling whose path merely starts with the root's path is outside too.
    lookalike = await make_unit(conn, slug=units[0]["slug"] + "x")
    with pytest.raises(InvalidInput):
        await invitations.generate_cards(conn, None, wave_id, lookalike["path"], 5)
    assert await stored_hashes(conn, wave_id) == {}


@pytest.mark.parametrize("ref", ["no/such/unit", "999999999", "nothing-here"])
async def test_an_unknown_unit_is_not_found(conn: Any, ref: str) -> None:
    _, wave_id = await wave_of(conn)
    with pytest.raises(UnitNotFound):
        await invitations.generate_cards(conn, None, wave_id, ref, 1)


async def test_an_unknown_wave_is_not_found(conn: Any) -> None:
    units, _ = await wave_of(conn)
    with pytest.raises(WaveNotFound):
        await invitations.generate_cards(conn, None, 999_999_999, units[0]["path"], 1)


@pytest.mark.parametrize("count", [0, -1, 2001])
async def test_the_count_per_unit_is_bounded(conn: Any, count: int) -> None:
    units, wave_id = await wave_of(conn)
    with pytest.raises(InvalidInput) as caught:
        await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], count)
    assert caught.value.errors is not None and caught.value.errors[0].field == "count"


async def test_the_total_per_call_is_bounded(conn: Any) -> None:
    units, wave_id = await wave_of(conn, shape=(3,))
    with pytest.raises(InvalidInput) as caught:
        await invitations.generate_cards(
            conn, None, wave_id, units[0]["path"], 2000, include_subtree=True
        )
    assert "6000" in caught.value.detail
    assert await stored_hashes(conn, wave_id) == {}


async def test_generation_is_audited_without_codes(conn: Any) -> None:
    units, wave_id = await wave_of(conn, shape=(2,))
    admin = await make_staff(conn)
    batch = await invitations.generate_cards(
        conn, principal_for(admin), wave_id, units[0]["path"], 3, include_subtree=True
    )
    [row] = await audit_rows(conn, "cards.")
    assert row["action"] == "cards.generated"
    assert row["staff_id"] == admin["staff_id"]
    subject = row["subject"]
    assert subject["wave_id"] == wave_id
    assert subject["unit"] == units[0]["path"]
    assert subject["units"] == sorted(u["path"] for u in units[1:])
    assert (subject["count_per_unit"], subject["count"]) == (3, 6)
    text = str(subject)
    for card in batch.cards:
        assert normalise(card.code) not in text and card.code not in text


async def test_a_batch_never_shows_its_codes_when_printed(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    batch = await invitations.generate_cards(conn, None, wave_id, units[-1]["path"], 3)
    for text in (repr(batch), str(batch), repr(batch.cards), f"{batch.cards[0]}"):
        for card in batch.cards:
            assert card.code not in text


async def test_generating_and_rendering_logs_no_code(
    conn: Any, caplog: pytest.LogCaptureFixture
) -> None:
    units, wave_id = await wave_of(conn, shape=(2,))
    open_units, open_wave_id = await wave_of(conn, mode="open", status="open", shape=(2,))
    with caplog.at_level(logging.DEBUG):
        # The capture works: a record from any logger at DEBUG is seen.
        logging.getLogger("fpdf").debug("capture check")
        batch = await invitations.generate_cards(
            conn, None, wave_id, units[0]["path"], 3, include_subtree=True
        )
        links = await invitations.create_open_links(
            conn, None, open_wave_id, open_units[0]["path"], include_subtree=True
        )
        for fmt in ("pdf", "html", "csv"):
            files.cards_file(batch, fmt, "a4", BASE_URL)  # type: ignore[arg-type]
            files.cards_file(links, fmt, "letter", BASE_URL)  # type: ignore[arg-type]
    assert any(r.getMessage() == "capture check" for r in caplog.records)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args} {r.__dict__}" for r in caplog.records)
    secrets_ = [c.code for c in batch.cards] + [link.token for link in links.links]
    for code in secrets_:
        for form in forms_of(code):
            assert form not in logged


# --- open links ----------------------------------------------------------------------------


async def open_hashes(conn: Any, wave_id: int) -> dict[int, bytes]:
    rows = await conn.fetch("SELECT unit_id, link_hash FROM open_link WHERE wave_id = $1", wave_id)
    return {row["unit_id"]: row["link_hash"] for row in rows}


async def test_an_open_wave_gets_one_link_per_unit(conn: Any) -> None:
    units, wave_id = await wave_of(conn, mode="open", status="open", shape=(2, 2))
    batch = await invitations.create_open_links(
        conn, None, wave_id, units[0]["path"], include_subtree=True
    )
    below = leaves(units)
    assert [link.unit_path for link in batch.links] == sorted(u["path"] for u in below)
    assert not any(link.replaced for link in batch.links)
    assert await open_hashes(conn, wave_id) == {
        unit["unit_id"]: hash_code(link.token)
        for unit, link in zip(sorted(below, key=lambda u: u["path"]), batch.links, strict=True)
    }


async def test_making_an_open_link_again_replaces_the_old_one(conn: Any) -> None:
    units, wave_id = await wave_of(conn, mode="open", status="scheduled", shape=(2,))
    first = await invitations.create_open_links(conn, None, wave_id, units[1]["path"])
    old_hash = hash_code(first.links[0].token)
    assert (await open_hashes(conn, wave_id))[units[1]["unit_id"]] == old_hash

    again = await invitations.create_open_links(
        conn, None, wave_id, units[0]["path"], include_subtree=True
    )
    replaced = {link.unit_path: link.replaced for link in again.links}
    assert replaced == {units[1]["path"]: True, units[2]["path"]: False}
    assert again.replaced_paths == [units[1]["path"]]
    stored = await open_hashes(conn, wave_id)
    assert old_hash not in stored.values()
    assert stored[units[1]["unit_id"]] == hash_code(again.links[0].token)
    [_, row] = await audit_rows(conn, "open_links.")
    assert row["subject"]["replaced"] == [units[1]["path"]]


@pytest.mark.parametrize("mode", ["cards", "links"])
async def test_only_open_mode_waves_get_open_links(conn: Any, mode: str) -> None:
    units, wave_id = await wave_of(conn, mode=mode, status="open")
    with pytest.raises(WrongDistributionMode) as caught:
        await invitations.create_open_links(conn, None, wave_id, units[-1]["path"])
    if mode == "cards":
        assert "/cards" in caught.value.detail


async def test_a_closed_wave_gets_no_open_links(conn: Any) -> None:
    units, wave_id = await wave_of(conn, mode="open", status="closed")
    with pytest.raises(WaveClosed):
        await invitations.create_open_links(conn, None, wave_id, units[-1]["path"])


async def test_open_links_for_a_unit_outside_the_program_are_refused(conn: Any) -> None:
    _, wave_id = await wave_of(conn, mode="open")
    elsewhere = await make_unit(conn)
    with pytest.raises(InvalidInput):
        await invitations.create_open_links(conn, None, wave_id, elsewhere["path"])
    assert await open_hashes(conn, wave_id) == {}


# --- where the links point -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("public_url", "fallback", "base"),
    [
        ("", "https://testserver.local", "https://testserver.local"),
        ("https://survey.example.org/", "http://127.0.0.1:8000", "https://survey.example.org"),
        ("https://example.org/muster", "http://x", "https://example.org/muster"),
    ],
)
def test_links_use_the_public_url_when_it_is_set(public_url: str, fallback: str, base: str) -> None:
    settings = Settings(public_url=public_url)
    assert invitations.public_base_url(settings, fallback) == base


@pytest.mark.parametrize(
    "public_url",
    ["survey.example.org", "ftp://example.org", "https://", "https://x/?a=1", "https://x/#f"],
)
def test_a_public_url_that_cannot_prefix_a_link_stops_start_up(public_url: str) -> None:
    with pytest.raises(SettingsError, match="MUSTER_PUBLIC_URL"):
        Settings.from_env({"MUSTER_PUBLIC_URL": public_url})


@pytest.mark.parametrize(
    ("public_url", "fallback"),
    [
        ("", "http://127.0.0.1:8000"),
        ("", "http://localhost:8000"),
        ("http://127.0.0.2", "https://testserver.local"),
        ("http://[::1]:8000", "https://testserver.local"),
        ("http://app.localhost", "https://testserver.local"),
    ],
)
def test_cards_refuse_an_address_no_phone_can_reach_unless_allowed(
    public_url: str, fallback: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        invitations.printable_base_url(Settings(public_url=public_url), fallback)
    assert "MUSTER_PUBLIC_URL" in refused.value.detail
    assert "MUSTER_ALLOW_LOCAL_LINKS" in refused.value.detail
    allowed = Settings(public_url=public_url, allow_local_links=True)
    assert invitations.printable_base_url(allowed, fallback) == (public_url or fallback)


def test_cards_print_a_reachable_address() -> None:
    settings = Settings(public_url="https://survey.example.org")
    assert invitations.printable_base_url(settings, "http://127.0.0.1:8000") == (
        "https://survey.example.org"
    )
    assert (
        invitations.printable_base_url(Settings(), "http://10.0.0.5:8000") == "http://10.0.0.5:8000"
    )
