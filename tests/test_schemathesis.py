"""Schemathesis against the app's own OpenAPI document: every /api/v1 operation.

One database for the module, with a program and a released wave, and an administrator's
API token (read and write). Each operation gets EXAMPLES generated cases (about 370 in
all), sent through the Litestar test client; each response must pass
not_a_server_error, response_schema_conformance, status_code_conformance and
content_type_conformance, except where KNOWN_FAILURES names the bug that breaks a check.

The fuzzing administrator's staff and token ids are far above anything the generator
is likely to try, so that DELETE /api/v1/tokens/{id} or PATCH /api/v1/staff/{id} do not
revoke or disable the token the run depends on. Write operations change the database as
the run goes on; that is intended.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from litestar.testing import TestClient
from schemathesis import checks as base_checks
from schemathesis.specs.openapi import checks as openapi_checks

from service import db
from service.auth.secrets import hash_api_token, new_api_token
from service.config import Settings
from service.ratelimit_tokens import TokenLimiter
from tests.conftest import ROOT, _admin, _with_database, run_sync
from tests.export.conftest import released_history, wired_app

EXAMPLES = 10
BASE_URL = "https://testserver.local"
FUZZ_ID = 8_000_000_001
CHECKS = {
    "not_a_server_error": base_checks.not_a_server_error,
    "response_schema_conformance": openapi_checks.response_schema_conformance,
    "status_code_conformance": openapi_checks.status_code_conformance,
    "content_type_conformance": openapi_checks.content_type_conformance,
}

# Problem statuses the route sends but does not declare in `responses=` (observed by
# this test; fix: declare them, e.g. with service.export.schemas.problem_responses).
_UNDECLARED: dict[str, str] = {
    "POST /api/v1/session": "401 invalid-credentials, 422 invalid-input",
    "POST /api/v1/staff": "404 unit-not-found, 409 duplicate-staff, 422 invalid-input",
    "PATCH /api/v1/staff/{staff_id}": "404 staff-not-found, 422 invalid-input",
    "POST /api/v1/tokens": "422 invalid-input",
    "DELETE /api/v1/tokens/{token_id}": "404 token-not-found",
    "GET /api/v1/units": "404 unit-not-found (under=)",
    "POST /api/v1/units": "404 unit-not-found, 409 duplicate-unit, 422 invalid-input",
    "GET /api/v1/units/{unit_id}": "404 unit-not-found",
    "DELETE /api/v1/units/{unit_id}": "404, 409 unit-in-use, 422",
    "PATCH /api/v1/units/{unit_id}": "404, 409, 422",
    "POST /api/v1/units/{unit_id}/move": "404, 409 unit-cycle, 422",
    "POST /api/v1/units/import": "422 invalid-csv",
    "GET /api/v1/instruments/{slug}": "404 instrument-not-found",
    "POST /api/v1/programs": "404, 409, 422 invalid-input",
    "GET /api/v1/programs/{program_id}": "404 program-not-found, 422",
    "PATCH /api/v1/programs/{program_id}": "404, 409 program-frozen, 422",
    "GET /api/v1/waves": "404 program-not-found (program=)",
    "GET /api/v1/programs/{program_id}/waves": "404, 422",
    "GET /api/v1/waves/{wave_id}": "404 wave-not-found",
    "POST /api/v1/waves/{wave_id}/open": "404, 409 wave-transition-refused, 422",
    "POST /api/v1/waves/{wave_id}/close": "404, 409 wave-transition-refused, 422",
    "POST /api/v1/waves/{wave_id}/release": "404, 409 wave-already-released, 422",
    "GET /api/v1/programs/{program_id}/ledger": "404, 422",
    "GET /api/v1/programs/{program_id}/plan": "404, 422",
    "POST /api/v1/waves/{wave_id}/cards": "404, 409 wave-closed, 422",
    "POST /api/v1/waves/{wave_id}/open-links": "404, 409 wave-closed, 422",
}
KNOWN_FAILURES: dict[str, dict[str, str]] = {
    label: {"status_code_conformance": f"bug: undeclared problem statuses: {statuses}"}
    for label, statuses in _UNDECLARED.items()
}
# bug: DELETE /api/v1/session answers 204 with no body, but its OpenAPI response declares
# application/json content (ST104 missing Content-Type, ST109 JSON deserialization error).
KNOWN_FAILURES["DELETE /api/v1/session"] = {
    "content_type_conformance": "bug: 204 documented with application/json content",
    "response_schema_conformance": "bug: 204 documented with a JSON body",
}
# Fixed: a NUL character (U+0000) in JSON text is now a 422 (service/errors.py); no
# operation skips such cases any more.
NUL_IN_TEXT_IS_500: frozenset[str] = frozenset()
# Signing in needs no credentials. The others are staff routes that do need them.
PUBLIC = frozenset({"POST /api/v1/session"})
# bug: the staff, token and session routes (service/auth/controller.py) declare no
# `security=` although they need a session or a bearer token.
SECURITY_NOT_DECLARED = frozenset(
    {
        "DELETE /api/v1/session",
        "GET /api/v1/me",
        "GET /api/v1/staff",
        "POST /api/v1/staff",
        "PATCH /api/v1/staff/{staff_id}",
        "GET /api/v1/tokens",
        "POST /api/v1/tokens",
        "DELETE /api/v1/tokens/{token_id}",
    }
)


def _document() -> dict[str, Any]:
    # Building the app touches no database; its lifespan would.
    app = wired_app(Settings(scheduler_interval=0))
    document: dict[str, Any] = app.openapi_schema.to_schema()
    return document


DOCUMENT = _document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = {
    f"{op.method.upper()} {op.path}": op
    for op in (result.ok() for result in SCHEMA.get_all_operations())
    if op.path.startswith("/api/v1/")
}


async def _seed(url: str, key: bytes) -> str:
    conn = await db.connect(url)
    try:
        await released_history(conn, waves_count=1)
        await conn.execute(
            "INSERT INTO staff (staff_id, email, password_hash, role) OVERRIDING SYSTEM VALUE "
            "VALUES ($1, 'fuzz@example.org', 'not a hash', 'admin')",
            FUZZ_ID,
        )
        token = new_api_token()
        await conn.execute(
            "INSERT INTO api_token (token_id, token_hash, staff_id, name, scopes, expires_at) "
            "OVERRIDING SYSTEM VALUE VALUES ($1, $2, $1, 'fuzz', ARRAY['read', 'write'], $3)",
            FUZZ_ID,
            hash_api_token(key, token),
            datetime.now(UTC) + timedelta(days=1),
        )
        return token
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def fuzz_client(
    server_url: str, template_name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient[Any]]:
    name = f"muster_fz_{uuid.uuid4().hex[:12]}"
    run_sync(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    url = _with_database(server_url, name)
    data = Path(tmp_path_factory.mktemp("fuzz"))
    app = wired_app(
        Settings(
            database_url=url,
            data_dir=str(data),
            surveys_dir=str(ROOT / "surveys"),
            scheduler_interval=0,
            pool_min_size=1,
            pool_max_size=4,
        )
    )
    try:
        with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
            # Hundreds of requests on one token: the rate limit is tested elsewhere.
            client.app.state.token_limiter = TokenLimiter(quota=1_000_000)
            token = run_sync(_seed(url, client.app.state.secret_key))
            client.headers["Authorization"] = "Bearer " + token
            yield client
    finally:
        run_sync(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _send(client: TestClient[Any], case: Any) -> Any:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    kwargs.pop("cookies", None)
    # Our token, whatever the generator put in a header named like it.
    headers = {
        k: v for k, v in dict(kwargs.pop("headers", {})).items() if k.lower() != "authorization"
    }
    headers["Authorization"] = client.headers["Authorization"]
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    return client.request(kwargs.pop("method"), kwargs.pop("url"), headers=headers, **kwargs)


def test_the_document_covers_every_api_route() -> None:
    assert len(OPERATIONS) > 30
    for label in [*KNOWN_FAILURES, *NUL_IN_TEXT_IS_500, *SECURITY_NOT_DECLARED]:
        assert label in OPERATIONS, f"stale entry: {label}"
    # Staff routes declare security; the respondent's routes are not in the document.
    for label, op in OPERATIONS.items():
        declared = bool(op.definition.raw.get("security"))
        assert declared == (label not in PUBLIC | SECURITY_NOT_DECLARED), label
    assert not any(path.startswith("/s/") for path in DOCUMENT["paths"])


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_conforms_to_its_schema(fuzz_client: TestClient[Any], label: str) -> None:
    operation = OPERATIONS[label]
    skipped = KNOWN_FAILURES.get(label, {})
    checks = [check for name, check in CHECKS.items() if name not in skipped]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        if label in NUL_IN_TEXT_IS_500:
            assume("\\u0000" not in json.dumps(case.body, default=str))
        response = _send(fuzz_client, case)
        case.validate_response(response, checks=checks)

    run()
