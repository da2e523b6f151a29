from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.config import Settings
from service.invitations import controller
from service.invitations.codes import hash_code, normalise
from tests.factories import (
    count_invitation_inserts,
    forms_of,
    invitation_inserts,
    make_session,
    make_staff,
    make_token,
    wave_of,
)

Seed = Any


def cards_url(wave_id: int) -> str:
    return f"/api/v1/waves/{wave_id}/cards"


def links_url(wave_id: int) -> str:
    return f"/api/v1/waves/{wave_id}/open-links"


def sign_in(client: TestClient[Any], seed: Seed, role: str = "admin", **kw: Any) -> None:
    key = client.app.state.secret_key

    async def make(conn: Any) -> str:
        unit = None
        if role == "leader":
            unit = await conn.fetchrow("SELECT unit_id, path FROM unit ORDER BY unit_id LIMIT 1")
            unit = dict(unit)
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        return await make_token(conn, staff, key, **kw)

    client.headers["Authorization"] = "Bearer " + seed(make)


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode())))


async def hashes(conn: Any, wave_id: int) -> set[bytes]:
    rows = await conn.fetch("SELECT code_hash FROM invitation WHERE wave_id = $1", wave_id)
    return {row["code_hash"] for row in rows}


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("pdf", "application/pdf"), ("html", "text/html; charset=utf-8"), ("csv", "text/csv")],
)
def test_an_admin_downloads_cards(
    app_client: TestClient[Any], seed: Seed, fmt: str, media_type: str
) -> None:
    units, wave_id = seed(lambda c: wave_of(c, status="open"))
    sign_in(app_client, seed)
    response = app_client.post(
        cards_url(wave_id), json={"unit": units[-1]["path"], "count": 12, "format": fmt}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["content-disposition"] == (
        f'attachment; filename="muster-cards-wave-{wave_id}.{fmt}"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers
    assert len(seed(lambda c: hashes(c, wave_id))) == 12
    if fmt == "pdf":
        assert response.content.startswith(b"%PDF-")
        assert len(re.findall(rb"/Type /Page\b", response.content)) == 2


def test_the_csv_links_point_at_the_address_the_request_came_to(
    app_client: TestClient[Any], seed: Seed
) -> None:
    units, wave_id = seed(lambda c: wave_of(c))
    survey_key = seed(
        lambda c: c.fetchval("SELECT survey_key FROM wave WHERE wave_id = $1", wave_id)
    )
    sign_in(app_client, seed)
    response = app_client.post(
        cards_url(wave_id),
        json={"unit": units[0]["path"], "count": 2, "include_subtree": True, "format": "csv"},
    )
    assert response.status_code == 200, response.text
    rows = csv_rows(response.content)
    assert len(rows) == 1 + 2 * 4
    stored = seed(lambda c: hashes(c, wave_id))
    for row in rows[1:]:
        link = urlsplit(row[3])
        assert (link.scheme, link.netloc, link.path) == (
            "https",
            "testserver.local",
            f"/s/{survey_key}",
        )
        assert link.fragment == normalise(row[2])
        assert hash_code(row[2]) in stored
    assert {hash_code(row[2]) for row in rows[1:]} == stored


@pytest.fixture
def public_client(settings: Settings) -> Iterator[TestClient[Any]]:
    app = create_app(msgspec.structs.replace(settings, public_url="https://survey.example.org/"))
    if not any(r.path.endswith("/cards") for r in app.routes):
        for handler in controller.routes:
            app.register(handler)
    with TestClient(app, base_url="https://testserver.local") as client:
        yield client


def test_the_public_url_setting_wins_over_the_request(
    public_client: TestClient[Any], seed: Seed
) -> None:
    units, wave_id = seed(lambda c: wave_of(c))
    sign_in(public_client, seed)
    response = public_client.post(
        cards_url(wave_id), json={"unit": units[-1]["path"], "count": 1, "format": "csv"}
    )
    assert response.status_code == 200, response.text
    assert csv_rows(response.content)[1][3].startswith("https://survey.example.org/s/")


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("cards", {"count": 2, "format": "csv"}),
        ("open-links", {"format": "csv"}),
        ("links", {"count": 2}),
    ],
)
def test_a_loopback_address_is_refused_before_any_code_is_made(
    settings: Settings, seed: Seed, kind: str, body: dict[str, Any]
) -> None:
    """No MUSTER_PUBLIC_URL and a request to this machine: refused, and no code was made,
    not even one rolled back with the refusal."""
    app = create_app(settings)
    units, wave_id = seed(lambda c: wave_of(c))
    seed(count_invitation_inserts)
    with TestClient(app, base_url="https://muster.localhost") as local:
        sign_in(local, seed)
        response = local.post(
            f"/api/v1/waves/{wave_id}/{kind}",
            json={"unit": units[-1]["path"], **body},
        )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "public_url", "message": "is a loopback address"}
    ]
    assert seed(invitation_inserts) == 0


@pytest.mark.parametrize("role", ["leader", "researcher"])
def test_leaders_and_researchers_may_not_make_cards(
    app_client: TestClient[Any], seed: Seed, role: str
) -> None:
    units, wave_id = seed(lambda c: wave_of(c))
    sign_in(app_client, seed, role, scopes=("read", "write") if role == "leader" else ("read",))
    for url, body in (
        (cards_url(wave_id), {"unit": units[0]["path"], "count": 1}),
        (links_url(wave_id), {"unit": units[0]["path"]}),
    ):
        response = app_client.post(url, json=body)
        assert response.status_code == 403
        assert response.json()["type"].endswith("/forbidden")
    assert seed(lambda c: hashes(c, wave_id)) == set()


def test_anonymous_callers_are_asked_to_sign_in(app_client: TestClient[Any], seed: Seed) -> None:
    units, wave_id = seed(lambda c: wave_of(c))
    for url in (cards_url(wave_id), links_url(wave_id)):
        response = app_client.post(url, json={"unit": units[0]["path"], "count": 1})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


def test_a_read_only_token_cannot_make_cards(app_client: TestClient[Any], seed: Seed) -> None:
    units, wave_id = seed(lambda c: wave_of(c))
    sign_in(app_client, seed, scopes=("read",))
    response = app_client.post(cards_url(wave_id), json={"unit": units[0]["path"], "count": 1})
    assert response.status_code == 403


def test_a_session_needs_its_csrf_token(app_client: TestClient[Any], seed: Seed) -> None:
    units, wave_id = seed(lambda c: wave_of(c))

    async def session(conn: Any) -> tuple[str, str]:
        return await make_session(conn, await make_staff(conn))

    session_id, csrf = seed(session)
    app_client.cookies.set("__Host-muster_session", session_id)
    body = {"unit": units[-1]["path"], "count": 1, "format": "csv"}
    assert app_client.post(cards_url(wave_id), json=body).status_code == 403
    response = app_client.post(cards_url(wave_id), json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("setup", "body", "status", "slug"),
    [
        ({"status": "closed"}, {"count": 1}, 409, "wave-closed"),
        ({"mode": "open"}, {"count": 1}, 409, "wrong-distribution-mode"),
        ({}, {"count": 0}, 422, "invalid-input"),
        ({}, {"count": 2001}, 422, "invalid-input"),
        ({}, {"count": 1, "paper": "a3"}, 422, "invalid-input"),
        ({}, {"count": 1, "format": "docx"}, 422, "invalid-input"),
        ({}, {"count": 1, "serial": True}, 422, "invalid-input"),
        ({}, {"count": 1, "unit": "no/such/unit"}, 404, "unit-not-found"),
    ],
)
def test_refusals_are_problem_documents(
    app_client: TestClient[Any],
    seed: Seed,
    setup: dict[str, str],
    body: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    units, wave_id = seed(lambda c: wave_of(c, **setup))
    sign_in(app_client, seed)
    response = app_client.post(cards_url(wave_id), json={"unit": units[-1]["path"], **body})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + slug)
    assert seed(lambda c: hashes(c, wave_id)) == set()


def test_an_unknown_wave_is_a_404(app_client: TestClient[Any], seed: Seed) -> None:
    sign_in(app_client, seed)
    response = app_client.post(cards_url(999_999), json={"unit": "x", "count": 1})
    assert response.status_code == 404
    assert response.json()["type"].endswith("/wave-not-found")


def test_open_links_are_made_and_replaced(app_client: TestClient[Any], seed: Seed) -> None:
    units, wave_id = seed(lambda c: wave_of(c, mode="open", status="open"))
    sign_in(app_client, seed)
    body = {"unit": units[0]["path"], "include_subtree": True, "format": "csv"}
    first = app_client.post(links_url(wave_id), json=body)
    assert first.status_code == 200, first.text
    assert first.headers["muster-replaced-units"] == "0"
    assert first.headers["content-disposition"].endswith(f'open-links-wave-{wave_id}.csv"')
    rows = csv_rows(first.content)[1:]
    assert len(rows) == 4
    assert all(urlsplit(row[3]).fragment.startswith("open-") for row in rows)
    again = app_client.post(links_url(wave_id), json={**body, "format": "pdf", "paper": "letter"})
    assert again.status_code == 200
    assert again.headers["muster-replaced-units"] == "4"
    assert b"/MediaBox [0 0 612.00 792.00]" in again.content


def test_no_code_reaches_any_log_record(app_client: TestClient[Any], seed: Seed) -> None:
    units, wave_id = seed(lambda c: wave_of(c, status="open"))
    sign_in(app_client, seed)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root = logging.getLogger()
    handler, level = Keep(logging.DEBUG), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        logging.getLogger("muster").debug("capture check")
        response = app_client.post(
            cards_url(wave_id), json={"unit": units[-1]["path"], "count": 5, "format": "csv"}
        )
        for fmt in ("pdf", "html"):
            app_client.post(
                cards_url(wave_id), json={"unit": units[-1]["path"], "count": 5, "format": fmt}
            )
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert any(r.getMessage() == "capture check" for r in records)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args} {r.__dict__}" for r in records)
    codes = [row[2] for row in csv_rows(response.content)[1:]]
    assert len(codes) == 5
    for code in codes:
        for form in forms_of(code):
            assert form not in logged


@pytest.mark.parametrize(("spare", "headcount", "expected"), [(None, 20, 22), (0, 20, 20),
                                                              (25, 7, 9)])  # fmt: skip
def test_cards_without_a_count_follow_the_units_headcount_plus_a_spare_share(
    app_client: TestClient[Any], seed: Seed, spare: int | None, headcount: int, expected: int
) -> None:
    units, wave_id = seed(lambda c: wave_of(c, status="open"))
    leaf = units[-1]
    seed(lambda c: c.execute("UPDATE unit SET headcount = $2 WHERE unit_id = $1",
                             leaf["unit_id"], headcount))  # fmt: skip
    sign_in(app_client, seed)
    body: dict[str, Any] = {"unit": leaf["path"], "format": "csv"}
    if spare is not None:
        body["spare_percent"] = spare
    response = app_client.post(cards_url(wave_id), json=body)
    assert response.status_code == 200, response.text
    assert len(csv_rows(response.content)) == 1 + expected
    assert len(seed(lambda c: hashes(c, wave_id))) == expected
