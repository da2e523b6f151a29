"""HTTP helpers for tests: signing a client in (session, API token, password), checking a
problem document, the app with every optional part wired in, and driving pages in a browser
(screenshots, axe, the login form).

Builders of rows live in tests/factories.py; fixtures in the conftest files.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from service import ratelimit_tokens
from service.app import create_app
from service.auth.guards import SESSION_COOKIE
from service.config import Settings
from service.errors import PROBLEM_BASE
from service.export import controller as export_controller
from service.metrics import controller as metrics
from tests.factories import make_session, make_staff, make_token, make_unit

HTML = {"Accept": "text/html,application/xhtml+xml"}
PROBLEM = "application/problem+json"
KEYS = {"type", "title", "status", "detail"}
Seed = Callable[[Callable[[Any], Any]], Any]


class Signed:
    """A client signed in as one staff account, with the session's CSRF token."""

    def __init__(self, client: TestClient[Any], staff: dict[str, Any], csrf: str) -> None:
        self.client = client
        self.staff = staff
        self.csrf = csrf

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=HTML, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=form, headers=HTML, follow_redirects=False, **kwargs)


def sign_in(client: TestClient[Any], seed: Seed, role: str = "admin") -> Signed:
    async def make(conn: Any) -> tuple[dict[str, Any], str, str]:
        unit = await make_unit(conn) if role == "leader" else None
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        session, csrf = await make_session(conn, staff)
        return staff, session, csrf

    staff, session, csrf = seed(make)
    client.cookies.set(SESSION_COOKIE, session)
    return Signed(client, staff, csrf)


def sign_in_at(
    client: TestClient[Any], seed: Seed, role: str, unit: dict[str, Any] | None
) -> Signed:
    """Sign the client in (a session) as a new account of `role` scoped to `unit`."""

    async def make(conn: Any) -> tuple[dict[str, Any], str, str]:
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        session, csrf = await make_session(conn, staff)
        return staff, session, csrf

    staff, session, csrf = seed(make)
    client.cookies.set(SESSION_COOKIE, session)
    return Signed(client, staff, csrf)


def sign_in_with_password(client: TestClient[Any], staff: dict[str, Any]) -> tuple[str, str]:
    """Sign `staff` in through the API with their password; leaves the cookie in the client,
    returns (session id, csrf token)."""
    response = client.post(
        "/api/v1/session", json={"email": staff["email"], "password": staff["password"]}
    )
    assert response.status_code == 201, response.text
    return response.cookies[SESSION_COOKIE], response.json()["csrf_token"]


def sign_in_token(
    client: TestClient[Any],
    seed: Seed,
    role: str = "admin",
    unit: dict[str, Any] | None = None,
    scopes: tuple[str, ...] = ("read", "write"),
) -> None:
    """Sign the client in with a new staff account's API token (`Authorization: Bearer`)."""
    key = client.app.state.secret_key

    async def make(conn: Any) -> str:
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        return await make_token(conn, staff, key, scopes=scopes)

    client.headers["Authorization"] = "Bearer " + seed(make)


def problem_slug(response: Any) -> str:
    """The problem document's type, without the common prefix."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    type_: str = response.json()["type"]
    return type_.removeprefix(PROBLEM_BASE)


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """The response is a complete problem document with this status (and type, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert KEYS <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith(PROBLEM_BASE)
    assert body["detail"].strip()
    if slug is not None:
        assert body["type"] == PROBLEM_BASE + slug
    return body


# --- the app with the export, /metrics and token rate limits wired in --------------------


def wire(app: Litestar) -> Litestar:
    """What service/app.py is asked to do, done here only when it is not done yet."""
    present = {route.path for route in app.routes}
    for handler in [*export_controller.routes, *metrics.routes]:
        if not set(handler.paths) & present:
            app.register(handler)
    ratelimit_tokens.install_token_rate_limits(app)
    return metrics.install_metrics(app)


def wired_app(settings: Settings) -> Litestar:
    return wire(create_app(settings))


# --- pages in a browser (Playwright): screenshots, axe, signing in through the form ---------


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # tests/artifacts, git-ignored


PHONE = {"width": 390, "height": 844}


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Any) -> None:
    """axe-core (bundled by axe-playwright-python) finds no violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    assert violations == [], results.generate_report()


def sign_in_browser(page: Any, base: str, staff: dict[str, Any]) -> None:
    """Sign `staff` in through the login form and wait for the home page."""
    page.goto(base + "/login")
    page.get_by_label("Email").fill(staff["email"])
    page.get_by_label("Password").fill(staff["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def pdf_text(path: Path) -> str:
    """The text of a PDF file, laid out as on the page (poppler's pdftotext)."""
    return subprocess.run(  # noqa: S603 - a fixed program on our own file
        ["/usr/bin/pdftotext", "-layout", str(path), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def pdf_content_text(tmp_path: Path, content: bytes) -> str:
    """The text of a PDF a response carried, written to `tmp_path` first."""
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return pdf_text(path)
