"""The token routes over HTTP: the issuance page, the key, issuance, answering with a token,
the coordinator's export; and the npm package @cloudflare/blindrsa-ts against the real
server (clients/blindrsa/interop.mjs)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service.invitations.links import MAIL_NOTICE
from service.responses.middleware import RESPONDENT_HEADERS
from service.tokens import blindrsa
from tests.conftest import ROOT, running_server
from tests.factories import links_survey, make_staff, make_token
from tests.http import sign_in
from tests.tokens import client as rfc

INTEROP = ROOT / "clients" / "blindrsa"


def _issue(http: TestClient[Any], survey_key: str, ticket: str) -> tuple[bytes, Any]:
    key = http.get(f"/s/{survey_key}/key").json()
    der = rfc.unb64(key["public_key"])
    blinded = rfc.blind(der, rfc.message_for(survey_key, int(ticket.split(".")[0])))
    response = http.post(
        f"/s/{survey_key}/issue",
        json={"ticket": ticket, "blinded_msg": rfc.b64(blinded.blinded_msg)},
    )
    return der, (blinded, response)


def _token(http: TestClient[Any], survey_key: str, ticket: str) -> str:
    der, (blinded, response) = _issue(http, survey_key, ticket)
    assert response.status_code == 200, response.text
    signature = rfc.finalize(der, blinded, rfc.unb64(response.json()["blind_sig"]))
    return rfc.token(blinded.prepared, signature)


def test_the_key_is_published_with_its_variant_and_fingerprint(client: Any, seed: Any) -> None:
    seeded = seed(links_survey)
    response = client.get(f"/s/{seeded.survey.survey_key}/key")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"variant", "public_key", "fingerprint"}
    assert body["variant"] == "RSABSSA-SHA384-PSS-Randomized"
    assert blindrsa.fingerprint(rfc.unb64(body["public_key"])) == body["fingerprint"]
    assert "set-cookie" not in response.headers
    assert response.headers["cache-control"] == "no-store"


def test_issuance_answers_with_problem_documents(client: Any, seed: Any) -> None:
    seeded = seed(links_survey)
    key = seeded.survey.survey_key
    ticket = seeded.tickets[0]
    unknown = f"{ticket.split('.')[0]}.{'x' * 23}"
    _, (_, missing) = _issue(client, key, unknown)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["type"].endswith("/ticket-unknown")
    _token(client, key, ticket)
    _, (_, again) = _issue(client, key, ticket)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/ticket-spent")
    assert again.json()["title"] == "This invitation has already been used to get a token"
    bad = client.post(f"/s/{key}/issue", json={"ticket": seeded.tickets[1], "blinded_msg": "AA"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["blinded_msg"]
    extra = client.post(f"/s/{key}/issue", json={"ticket": ticket, "blinded_msg": "", "x": 1})
    assert extra.status_code in (400, 422)
    assert extra.headers["content-type"].startswith("application/problem+json")
    assert client.get("/s/nosuchsurvey00/key").status_code == 404


def test_a_token_answers_through_the_survey_form_once(client: Any, seed: Any) -> None:
    seeded = seed(links_survey)
    key = seeded.survey.survey_key
    token = _token(client, key, seeded.tickets[0])
    page = client.get(f"/s/{key}")
    assert 'name="token"' in page.text and 'name="code"' not in page.text
    assert "/static/token-form.js" in page.text
    form = {"form_key": "k" * 43, "lang": "en", "token": token, "send_empty": "yes"}
    sent = client.post(f"/s/{key}", data=form)
    assert sent.status_code == 200 and "Thank you" in sent.text
    assert token not in sent.text
    form["form_key"] = "j" * 43
    again = client.post(f"/s/{key}", data=form)
    assert again.status_code == 409
    assert "already been used to send answers" in again.text
    assert 'data-token-spent="true"' in again.text
    assert token not in again.text


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("", "No token came with your answers"),
        ("bm90IGEgdG9rZW4", "damaged"),
    ],
)
def test_a_missing_or_damaged_token_gets_the_form_again_saying_so(
    client: Any, seed: Any, token: str, words: str
) -> None:
    seeded = seed(links_survey)
    key = seeded.survey.survey_key
    sent = client.post(f"/s/{key}", data={"form_key": "k" * 43, "lang": "en", "token": token})
    assert sent.status_code == 422
    assert words in sent.text


def test_the_token_page_explains_and_allows_only_its_own_origin(client: Any, seed: Any) -> None:
    seeded = seed(links_survey)
    page = client.get(f"/t/{seeded.survey.survey_key}?lang=fr")
    assert page.status_code == 200
    assert "Obtenir mon jeton" in page.text and "JavaScript" in page.text
    assert '<script type="module" src="/static/token.js">' in page.text
    policy = page.headers["content-security-policy"]
    assert policy == RESPONDENT_HEADERS["Content-Security-Policy"] + "; connect-src 'self'"
    assert "set-cookie" not in page.headers
    for asset in ("/static/token.js", "/static/vendor/blindrsa-ts-0.4.4.js"):
        served = client.get(asset)
        assert served.status_code == 200
        assert served.headers["cache-control"] == "no-store"
    assert client.get("/t/nosuchsurvey00").status_code == 404


def test_the_coordinator_exports_one_link_per_person_and_sees_counts(
    client: Any, seed: Any
) -> None:
    seeded = seed(links_survey)

    async def admin(conn: Any) -> str:
        staff = await make_staff(conn, role="admin")
        return await make_token(conn, staff, client.app.state.secret_key)

    bearer = {"Authorization": f"Bearer {seed(admin)}"}
    wave_id = seeded.survey.wave_id
    exported = client.post(
        f"/api/v1/waves/{wave_id}/links",
        json={"unit": seeded.unit_path, "count": 4},
        headers=bearer,
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 4
    assert all(
        r["link"].startswith(f"https://testserver.local/t/{seeded.survey.survey_key}#")
        for r in rows
    )
    assert {r["note"] for r in rows} == {MAIL_NOTICE}
    fingerprint = exported.headers["muster-key-fingerprint"]
    assert {r["key_fingerprint"] for r in rows} == {fingerprint} and len(fingerprint) == 24
    counts = client.get(f"/api/v1/waves/{wave_id}/links", headers=bearer).json()
    assert counts == [
        {"unit_path": seeded.unit_path, "unit_name": counts[0]["unit_name"], "links": 7}
    ]  # fmt: skip
    console = sign_in(client, seed, "admin")
    page = console.get("/console/links")
    assert page.status_code == 200 and seeded.unit_path in page.text
    # One more person opens their link and collects a token: tokens issued per unit follow
    # answers per unit closely, so neither the API nor the page may change with it.
    _token(client, seeded.survey.survey_key, rows[0]["link"].split("#", 1)[1])
    assert client.get(f"/api/v1/waves/{wave_id}/links", headers=bearer).json() == counts
    assert console.get("/console/links").text == page.text


def test_the_npm_package_interoperates_with_the_running_server(
    database_url: str, tmp_path: Path, seed: Any
) -> None:
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules" / "@cloudflare" / "blindrsa-ts").exists():
        pytest.fail(
            "The interoperability check needs Node and the npm package: run "
            "`npm ci --prefix clients/blindrsa` (.ci/run does it when missing)."
        )
    seeded = seed(links_survey)
    with running_server(database_url, tmp_path) as base:
        run = subprocess.run(  # noqa: S603 - fixed program and arguments
            [node, str(INTEROP / "interop.mjs"), base, seeded.survey.survey_key, seeded.tickets[0]],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["ok"] and len(report["checks"]) == 8

    async def stored(conn: Any) -> list[Any]:
        return await conn.fetch(
            "SELECT unit_id FROM response WHERE wave_id = $1", seeded.survey.wave_id
        )

    assert [row["unit_id"] for row in seed(stored)] == [seeded.survey.unit_id]


def test_a_failing_issuance_is_a_bare_500_problem_and_logs_nothing(
    client: Any, seed: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from service.tokens import service as token_service

    seeded = seed(links_survey)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"database gone while signing {args[3]}")

    monkeypatch.setattr(token_service, "issue_token", broken)
    caplog.clear()
    response = client.post(
        f"/s/{seeded.survey.survey_key}/issue",
        json={"ticket": seeded.tickets[0], "blinded_msg": "AAAA"},
    )
    assert response.status_code == 500
    assert response.json()["type"].endswith("/internal")
    assert seeded.tickets[0] not in response.text
    assert [r for r in caplog.records if r.name == "muster"] == []
