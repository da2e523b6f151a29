"""/metrics: staff only, Prometheus text, and nothing per person in any label."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.config import Settings
from service.metrics import controller as metrics
from tests.factories import make_staff, make_token, make_unit, released_history
from tests.http import wired_app

SAMPLE = re.compile(r"^([a-z_]+)(\{(.*)\})? (-?[0-9.e+]+|\+Inf)$")
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    """The app with /metrics and the metrics middleware wired in (see tests/export)."""
    with TestClient(wired_app(settings), base_url="https://testserver.local") as test_client:
        yield test_client


def _token(client: Any, seed: Any, role: str = "admin", **kw: Any) -> str:
    staff = seed(lambda c: make_staff(c, role=role, **kw))
    return "Bearer " + seed(lambda c: make_token(c, staff, client.app.state.secret_key))


def _parse(text: str) -> list[tuple[str, dict[str, str], float]]:
    samples = []
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ ", line), line
            continue
        match = SAMPLE.match(line)
        assert match, line
        labels = dict(LABEL.findall(match.group(3) or ""))
        samples.append((match.group(1), labels, float(match.group(4))))
    return samples


def test_metrics_need_an_administrator(client: Any, seed: Any) -> None:
    assert client.get("/metrics").status_code == 401
    unit = seed(lambda c: make_unit(c))
    client.headers["Authorization"] = _token(client, seed, role="leader", unit=unit)
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_metrics_count_routes_by_template_and_say_nothing_per_person(
    client: Any, seed: Any
) -> None:
    history = seed(lambda c: released_history(c, waves_count=1))
    unit = history["units"][1]
    admin = seed(lambda c: make_staff(c, role="admin", email="chief.of.data@example.org"))
    token = seed(lambda c: make_token(c, admin, client.app.state.secret_key))
    client.headers["Authorization"] = "Bearer " + token
    assert client.get(f"/api/v1/units/{unit['unit_id']}").status_code == 200
    assert client.get("/api/v1/units/987654321").status_code == 404
    assert client.get("/api/v1/no-such-route/424242").status_code == 404
    survey_key = seed(lambda c: c.fetchval("SELECT survey_key FROM wave LIMIT 1"))
    client.get(f"/s/{survey_key}")
    metrics.record_submission(client.app.state, "accepted")
    metrics.record_submission(client.app.state, "code_spent")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = _parse(response.text)
    requests = {
        (labels["method"], labels["route"], labels["status"]): value
        for name, labels, value in samples
        if name == "muster_http_requests_total"
    }
    assert requests[("GET", "/api/v1/units/{unit_id}", "200")] == 1
    assert requests[("GET", "/api/v1/units/{unit_id}", "404")] == 1
    assert requests[("GET", "(unmatched)", "404")] == 1
    assert ("GET", "/s/{survey_key}", "200") in requests
    submissions = {
        labels["outcome"]: value for name, labels, value in samples
        if name == "muster_submissions_total"
    }  # fmt: skip
    assert submissions["accepted"] == 1 and submissions["code_spent"] == 1
    waves = {labels["status"]: value for name, labels, value in samples if name == "muster_waves"}
    assert waves["released"] == 1
    assert any(name == "muster_ledger_charges" and value == 1 for name, _, value in samples)
    # Nothing per person, nor an id, in any label value.
    values = {v for _, labels, _ in samples for v in labels.values()}
    for secret in [token, admin["email"], survey_key, unit["path"], "987654321", "424242"]:
        assert not any(secret in value for value in values), secret
    routes = {labels["route"] for _, labels, _ in samples if "route" in labels}
    assert not any(part.isdigit() for route in routes for part in route.split("/"))
    allowed = {"method", "route", "status", "le", "outcome", "kind"}
    assert {k for _, labels, _ in samples for k in labels} <= allowed
    kinds = {labels["kind"] for _, labels, _ in samples if "kind" in labels}
    assert kinds == set(metrics.FAILURE_KINDS)


def test_latency_histograms_are_cumulative(client: Any, seed: Any) -> None:
    client.headers["Authorization"] = _token(client, seed)
    for _ in range(3):
        client.get("/api/v1/units")
    samples = _parse(client.get("/metrics").text)
    buckets = [
        (labels["le"], value)
        for name, labels, value in samples
        if name == "muster_http_request_duration_seconds_bucket"
        and labels["route"] == "/api/v1/units"
    ]
    counts = [value for _, value in buckets]
    assert counts == sorted(counts) and buckets[-1] == ("+Inf", 3)


def test_an_unknown_submission_outcome_is_refused() -> None:
    registry = metrics.Registry()
    with pytest.raises(ValueError, match="unknown submission outcome"):
        registry.count_submission("station-7")
