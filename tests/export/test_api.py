"""The export over HTTP: tokens, scope, expiry, pages, downloads, metadata, rate limits."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from service.ratelimit_tokens import TokenLimiter
from tests.factories import make_staff, make_token, released_history

PROBLEM = "application/problem+json"


def _as(client: Any, seed: Any, role: str = "researcher", unit: Any = None, **kw: Any) -> None:
    staff = seed(lambda c: make_staff(c, role=role, unit=unit))
    token = seed(lambda c: make_token(c, staff, client.app.state.secret_key, **kw))
    client.headers["Authorization"] = "Bearer " + token


def test_a_researcher_pages_through_every_row_in_a_stable_order(client: Any, seed: Any) -> None:
    history = seed(released_history)
    _as(client, seed, scopes=("read",))
    rows, cursor, pages = [], None, 0
    while True:
        params: dict[str, Any] = {"program": history["program_id"], "limit": 250}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/api/v1/releases", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["rows"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages > 2
    whole = client.get("/api/v1/releases.csv", params={"program": history["program_id"]})
    frame = pd.read_csv(io.BytesIO(whole.content), dtype={"instrument_version": str})
    assert [(r["wave_id"], r["unit_path"], r["statistic"]) for r in rows] == list(
        zip(frame["wave_id"], frame["unit_path"], frame["statistic"], strict=True)
    )
    # Asking again gives the same pages.
    again = client.get("/api/v1/releases", params={"program": history["program_id"], "limit": 250})
    assert again.json()["rows"] == rows[:250]
    assert body["metadata"] == f"/api/v1/releases/metadata?program={history['program_id']}"


def test_downloads_load_in_pandas_polars_and_pyarrow(client: Any, seed: Any) -> None:
    history = seed(released_history)
    _as(client, seed)
    program = {"program": history["program_id"]}
    csv = client.get("/api/v1/releases.csv", params=program)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert 'rel="describedby"' in csv.headers["link"]
    parquet = client.get("/api/v1/releases.parquet", params=program)
    assert parquet.status_code == 200
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    by_pandas = pd.read_csv(io.BytesIO(csv.content), dtype={"instrument_version": str})
    by_polars = pl.read_csv(
        io.BytesIO(csv.content), schema_overrides={"instrument_version": pl.String}
    )
    table = pq.read_table(io.BytesIO(parquet.content))
    assert len(by_pandas) == by_polars.height == table.num_rows > 0
    assert b"muster" in table.schema.metadata
    # Unpublished values are null in every format.
    hidden = table.to_pandas().query("not published")
    assert len(hidden) and hidden[["value", "std_error", "lower", "upper"]].isna().all().all()
    assert by_polars.filter(~pl.col("published"))["value"].null_count() == len(hidden)


def test_metadata_is_served_as_json(client: Any, seed: Any) -> None:
    history = seed(released_history)
    _as(client, seed)
    response = client.get(
        "/api/v1/releases/metadata",
        params={"program": history["program_id"], "wave": history["wave_ids"][0]},
    )
    assert response.status_code == 200, response.text
    meta = response.json()
    assert [w["wave_id"] for w in meta["waves"]] == [history["wave_ids"][0]]
    assert meta["waves"][0]["charge"]["rho"] > 0
    assert meta["interval"]["level"] == 0.95
    assert {"privacy_policy", "privacy_unit", "guarantee", "publish_rule", "consistency",
            "instruments", "citation", "ledger", "mechanism"} <= set(meta)  # fmt: skip


def test_a_leader_downloads_only_their_subtree(client: Any, seed: Any) -> None:
    history = seed(released_history)
    branch = history["units"][2]
    _as(client, seed, role="leader", unit=branch)
    response = client.get("/api/v1/releases.csv", params={"program": history["program_id"]})
    frame = pd.read_csv(io.BytesIO(response.content))
    assert len(frame) > 0
    assert (
        frame["unit_path"]
        .map(lambda p: p == branch["path"] or p.startswith(branch["path"] + "/"))
        .all()
    )
    other = history["units"][1]
    refused = client.get(
        "/api/v1/releases", params={"program": history["program_id"], "unit": other["path"]}
    )
    assert refused.status_code == 404  # the same answer as no such unit (issue 12)
    assert refused.json()["type"].endswith("/unit-not-found")


def test_an_expired_token_gets_401_token_invalid(client: Any, seed: Any) -> None:
    history = seed(lambda c: released_history(c, waves_count=1))
    _as(client, seed, expires_in=timedelta(seconds=-1))
    for path in ("/api/v1/releases", "/api/v1/releases.csv", "/api/v1/releases.parquet",
                 "/api/v1/releases/metadata"):  # fmt: skip
        response = client.get(path, params={"program": history["program_id"]})
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith("/token-invalid")


def test_without_credentials_the_export_is_401(client: Any) -> None:
    response = client.get("/api/v1/releases.parquet", params={"program": 1})
    assert response.status_code == 401
    assert response.json()["type"].endswith("/not-authenticated")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 422, "program"),
        ({"program": 0}, 422, "program"),
        ({"program": 1, "scale": "bad"}, 422, "scale"),
        ({"program": 1, "limit": 0}, 422, "limit"),
        ({"program": 1, "cursor": "%%%"}, 422, "cursor"),
        ({"program": 99999}, 404, None),
    ],
)
def test_bad_queries_are_problem_documents(
    client: Any, seed: Any, params: dict[str, Any], status: int, field: str | None
) -> None:
    seed(lambda c: released_history(c, waves_count=1))
    _as(client, seed, role="admin")
    response = client.get("/api/v1/releases", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if field:
        # The field is named as the user sent it: not "ParamType.QUERY.program", and a
        # missing query parameter is not called "body".
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_level_deeper_than_the_programs_tree_is_a_422_not_an_empty_list(
    client: Any, seed: Any
) -> None:
    history = seed(lambda c: released_history(c, waves_count=1))
    _as(client, seed, role="admin")
    params = {"program": history["program_id"], "limit": 10_000}

    deepest = max(
        row["level"] for row in client.get("/api/v1/releases", params=params).json()["rows"]
    )
    inside = client.get("/api/v1/releases", params={**params, "level": deepest})
    beyond = client.get("/api/v1/releases", params={**params, "level": deepest + 1})

    assert inside.status_code == 200 and inside.json()["rows"]
    assert beyond.status_code == 422, beyond.text
    assert [e["field"] for e in beyond.json()["errors"]] == ["level"]
    assert f"between 0 (the root) and {deepest}" in beyond.json()["errors"][0]["message"]


def test_every_token_response_says_its_rate_limit_and_429_comes_after_it(
    client: Any, seed: Any
) -> None:
    history = seed(lambda c: released_history(c, waves_count=1))
    client.app.state.token_limiter = TokenLimiter(quota=3, window=60)
    _as(client, seed)
    params = {"program": history["program_id"]}
    seen = []
    for _ in range(3):
        response = client.get("/api/v1/releases/metadata", params=params)
        assert response.status_code == 200
        assert response.headers["ratelimit-policy"] == '"default";q=3;w=60'
        seen.append(response.headers["ratelimit"])
    assert [s.split(";")[1] for s in seen] == ["r=2", "r=1", "r=0"]
    refused = client.get("/api/v1/releases.csv", params=params)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"].endswith("/rate-limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit"].startswith('"default";r=0;t=')
    # Another token has its own quota.
    _as(client, seed)
    assert client.get("/api/v1/releases/metadata", params=params).status_code == 200


def test_sessions_are_not_counted_against_a_token_quota(client: Any, seed: Any) -> None:
    from tests.factories import make_session

    client.app.state.token_limiter = TokenLimiter(quota=1, window=60)
    staff = seed(lambda c: make_staff(c, role="admin"))
    session_id, _ = seed(lambda c: make_session(c, staff))
    client.cookies.set("__Host-muster_session", session_id)
    for _ in range(3):
        response = client.get("/api/v1/programs")
        assert response.status_code == 200
        assert "ratelimit" not in response.headers
