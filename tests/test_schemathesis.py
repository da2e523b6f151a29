"""Schemathesis against the app's own OpenAPI document: every /api/v1 operation.

One database for the module, with a program and a released wave, and an administrator's
API token (read and write). Each operation gets EXAMPLES generated cases (about 370 in
all), sent through the Litestar test client; each response must pass
not_a_server_error, response_schema_conformance, status_code_conformance,
content_type_conformance, allow_header_conformance, response_headers_conformance,
missing_required_header and unsupported_method (the last acts only on cases that send an
undocumented method, which this positive-case run does not generate). No operation is
excused from any check.

The fuzzing administrator's staff and token ids are far above anything the generator
is likely to try, so that DELETE /api/v1/tokens/{id} or PATCH /api/v1/staff/{id} do not
revoke or disable the token the run depends on. Write operations change the database as
the run goes on; that is intended.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from litestar.testing import TestClient
from schemathesis import checks as base_checks
from schemathesis.specs.openapi import checks as openapi_checks

from service import db
from service.auth.secrets import hash_api_token, new_api_token
from service.config import Settings
from service.ratelimit_tokens import TokenLimiter
from tests.conftest import ROOT, _admin, _with_database, run_sync
from tests.factories import released_history
from tests.http import wired_app

EXAMPLES = 10
BASE_URL = "https://testserver.local"
FUZZ_ID = 8_000_000_001
CHECKS = {
    "not_a_server_error": base_checks.not_a_server_error,
    "response_schema_conformance": openapi_checks.response_schema_conformance,
    "status_code_conformance": openapi_checks.status_code_conformance,
    "content_type_conformance": openapi_checks.content_type_conformance,
    "allow_header_conformance": openapi_checks.allow_header_conformance,
    "unsupported_method": openapi_checks.unsupported_method,
    "response_headers_conformance": openapi_checks.response_headers_conformance,
    "missing_required_header": openapi_checks.missing_required_header,
}

# Signing in needs no credentials. The others are staff routes that do need them.
PUBLIC = frozenset({"POST /api/v1/session"})


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
    # Staff routes declare security; the respondent's routes are not in the document.
    for label, op in OPERATIONS.items():
        declared = bool(op.definition.raw.get("security"))
        assert declared == (label not in PUBLIC), label
    assert not any(path.startswith("/s/") for path in DOCUMENT["paths"])


def _parameters() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (f"{method.upper()} {path}", p["name"]): p["schema"]
        for path, item in DOCUMENT["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/v1/") and isinstance(op, dict)
        for p in op.get("parameters", [])
    }


def test_id_parameters_and_zero_bounds_are_in_the_document() -> None:
    parameters = _parameters()
    ids = {key: schema for key, schema in parameters.items() if key[1].endswith("_id")}
    assert len(ids) > 15
    for key, schema in ids.items():
        assert schema.get("minimum") == 1 and schema.get("maximum"), key
    # Litestar drops a bound of 0 from an optional parameter; the routes say it again.
    assert parameters[("GET /api/v1/releases", "level")]["minimum"] == 0
    plan = "GET /api/v1/programs/{program_id}/plan"
    assert parameters[(plan, "epsilon")]["exclusiveMinimum"] == 0


def _integer_schemas(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield where, node
        for key, value in node.items():
            yield from _integer_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _integer_schemas(value, f"{where}[{index}]")


def test_integer_bounds_are_exact_integers() -> None:
    # Written as floats, 2**63 - 1 became 2**63: a generated id one past the largest was
    # then "valid" by the document and refused by the service.
    bounds = [
        (where, key, schema[key])
        for where, schema in _integer_schemas(DOCUMENT)
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        if key in schema
    ]
    assert len(bounds) > 30
    assert [b for b in bounds if type(b[2]) is not int] == []
    ids = [schema for key, schema in _parameters().items() if key[1].endswith("_id")]
    assert {schema["maximum"] for schema in ids} == {db.MAX_ID}
    # An id inside a union keeps its bounds too (Litestar kept only the outermost ones).
    move = DOCUMENT["components"]["schemas"]["UnitMove"]["properties"]["parent"]
    assert db.MAX_ID in [s.get("maximum") for s in move.get("anyOf", [move])]


def _wire_structs() -> dict[str, type[msgspec.Struct]]:
    found: dict[str, type[msgspec.Struct]] = {}
    for path in sorted((ROOT / "service").rglob("schemas.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, msgspec.Struct):
                found[value.__name__] = value
    return found


def test_a_body_that_refuses_unknown_fields_says_so_in_the_document() -> None:
    components = DOCUMENT["components"]["schemas"]
    structs = {name: cls for name, cls in _wire_structs().items() if name in components}
    strict = {name for name, cls in structs.items() if cls.__struct_config__.forbid_unknown_fields}
    assert {"TokenCreate", "StaffCreate", "ProgramCreate", "UnitUpdate"} <= strict
    for name in structs:
        closed = components[name].get("additionalProperties") is False
        assert closed == (name in strict), name
    # Constraints on the items of a list are in the document, as msgspec enforces them.
    instruments = components["ProgramCreate"]["properties"]["instruments"]["items"]
    assert instruments["minLength"] == 1 and instruments["pattern"].startswith("^[a-z0-9]")


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_conforms_to_its_schema(fuzz_client: TestClient[Any], label: str) -> None:
    operation = OPERATIONS[label]
    checks = list(CHECKS.values())

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
        response = _send(fuzz_client, case)
        case.validate_response(response, checks=checks)

    run()


def test_request_bodies_say_what_the_service_refuses() -> None:
    components = DOCUMENT["components"]["schemas"]
    # PostgreSQL text cannot hold NUL: no string of a request body allows it.
    for name, field in [("SessionCreate", "email"), ("TokenCreate", "name"),
                        ("StaffCreate", "email")]:  # fmt: skip
        pattern = components[name]["properties"][field]["pattern"]
        assert re.search(pattern, "a@b") and not re.search(pattern, "a\x00@b"), (name, field)
    # A leader needs a unit, an administrator has none (service.auth.add_staff).
    rules = components["StaffCreate"]["allOf"]
    leader = next(r for r in rules if r["if"]["properties"]["role"]["const"] == "leader")
    assert leader["then"]["required"] == ["unit"]
    admin = next(r for r in rules if r["if"]["properties"]["role"]["const"] == "admin")
    assert admin["then"]["properties"]["unit"] == {"type": "null"}
    # A unit's PATCH names at least one of name, slug, headcount (UnitUpdate).
    [rule] = components["UnitUpdate"]["allOf"]
    assert sorted(r["required"][0] for r in rule["anyOf"]) == ["headcount", "name", "slug"]
