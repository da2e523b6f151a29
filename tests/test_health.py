from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient


def test_healthz_answers_ok(client: TestClient[Any]) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_ready_after_start_up_migrated(client: TestClient[Any]) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_openapi_document_is_served_at_schema(client: TestClient[Any]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Muster"


def test_the_schema_page_works_offline_nothing_loads_from_another_site(
    client: TestClient[Any],
) -> None:
    response = client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<code>POST /api/v1/units/{unit_id}/move</code>" in page
    assert "application/problem+json" in page
    # Every script, stylesheet, font or image is this server's own (no CDN).
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert sources
    assert not [s for s in sources if "//" in s], sources
    assert "<script" not in page
