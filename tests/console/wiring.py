"""The app with the console's routes, whether or not service/app.py lists them yet.

Once app.py includes `service.console.controller.routes`, this adds nothing.
"""

from __future__ import annotations

from litestar import Litestar

from service.app import create_app
from service.config import Settings
from service.console.controller import routes


def with_console(app: Litestar) -> Litestar:
    if not any(getattr(route, "path", None) == "/console" for route in app.routes):
        for handler in routes:
            app.register(handler)
    return app


def console_app(settings: Settings) -> Litestar:
    return with_console(create_app(settings))


def app_from_env() -> Litestar:
    """For the browser tests' server process (Granian factory)."""
    return console_app(Settings.from_env())
