"""create_app(settings) -> Litestar: all wiring in one place."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncGenerator
from pathlib import Path

from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from service import db, i18n, migrate, ratelimit_tokens, scheduler
from service.actions import controller as actions_controller
from service.actions import pages as actions_pages
from service.auth import controller as auth_controller
from service.auth.guards import provide_optional_principal, provide_principal
from service.auth.secrets import load_secret_key
from service.auth.service import UnknownEmails
from service.config import Settings
from service.console import controller as console_controller
from service.crews import controller as crews_controller
from service.dashboard import controller as dashboard_controller
from service.errors import handle_exception
from service.export import controller as export_controller
from service.health import controller as health_controller
from service.instruments import controller as instruments_controller
from service.instruments.service import sync_instruments
from service.invitations import controller as invitations_controller
from service.metrics import controller as metrics
from service.openapi import SCHEMA_PLUGINS
from service.privacy import controller as privacy_controller
from service.programs import controller as programs_controller
from service.research import controller as research_controller
from service.responses import controller as responses_controller
from service.responses import pages as respondent_pages
from service.responses import token_routes
from service.responses.batching import SubmissionBatcher
from service.responses.middleware import install_respondent_privacy
from service.tokens.signing import Signer
from service.units import controller as units_controller
from service.waves import controller as waves_controller
from service.web import pages
from service.web.schema_viewer import render_plugins

WEB_DIR = Path(__file__).resolve().parent / "web"
log = logging.getLogger("muster")


def create_app(settings: Settings) -> Litestar:
    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        url = db.resolve_database_url(settings.database_url, settings.data_path)
        pool = await db.create_pool(url, settings.pool_min_size, settings.pool_max_size)
        async with pool.acquire() as conn:
            applied = await migrate.migrate(conn)
            for warning in await db.linkage_warnings(conn):
                log.warning(warning)
            async with conn.transaction():
                # A bad instrument file stops start-up with the file and field it names.
                await sync_instruments(conn, settings.surveys_path)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
        app.state.pool = pool
        app.state.submissions = SubmissionBatcher(pool, settings.submit_writers)
        app.state.signer = Signer(settings.signing_processes)
        app.state.settings = settings
        app.state.secret_key = load_secret_key(settings.secret_key, settings.data_path)
        app.state.unknown_emails = UnknownEmails()
        tasks = [asyncio.create_task(metrics.report_respondent_failures(app.state))]
        if settings.scheduler_interval > 0:
            tasks.append(asyncio.create_task(scheduler.run(pool, settings.scheduler_interval)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.submissions.close()
            app.state.signer.close()
            await pool.close()

    app = Litestar(
        route_handlers=[
            *health_controller.routes,
            *auth_controller.routes,
            *units_controller.routes,
            *actions_controller.routes,
            *instruments_controller.routes,
            *programs_controller.routes,
            *waves_controller.routes,
            *privacy_controller.routes,
            *invitations_controller.routes,
            *responses_controller.routes,
            *token_routes.routes,
            *pages.routes,
            *console_controller.routes,
            *dashboard_controller.routes,
            *actions_pages.routes,
            *crews_controller.routes,
            *research_controller.routes,
            *export_controller.routes,
            *metrics.routes,
            create_static_files_router(
                path="/static", directories=[WEB_DIR / "static"], include_in_schema=False
            ),
        ],
        lifespan=[lifespan],
        plugins=[*SCHEMA_PLUGINS],
        dependencies={
            "conn": Provide(db.provide_connection),
            "principal": Provide(provide_principal),
            "viewer": Provide(provide_optional_principal),
        },
        exception_handlers={Exception: handle_exception},
        template_config=TemplateConfig(
            directory=WEB_DIR / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: i18n.install(engine.engine),
        ),
        openapi_config=OpenAPIConfig(
            title="Muster",
            version="1",
            description=(
                "Anonymous culture surveys for first-responder organisations. "
                "Staff endpoints take a session cookie or an `Authorization: Bearer` token."
            ),
            path="/schema",
            # Served from here, no CDN: the reference works offline (service/web/schema_viewer.py).
            render_plugins=render_plugins(),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer"),
                    "session": SecurityScheme(
                        type="apiKey", name="__Host-muster_session", security_scheme_in="cookie"
                    ),
                }
            ),
        ),
        request_max_body_size=settings.max_body_bytes,
        response_cache_config=ResponseCacheConfig(),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            # asyncpg's pool logs a traceback each time it fails to reconnect (1 s, 2 s,
            # 4 s ... apart); during an outage the failure reporter's one line a minute
            # (service/metrics/controller.py) says it instead.
            loggers={"asyncpg.pool": {"level": "ERROR", "propagate": True}},
            log_exceptions="never",
            disable_stack_trace={Exception},
        ),
        debug=False,
    )
    # Outermost first: request metrics, per-token rate limits, the respondent privacy
    # headers and cookie stripping on every response (404s included), then the staff
    # pages' language.
    install_staff_language(app)
    return metrics.install_metrics(
        ratelimit_tokens.install_token_rate_limits(install_respondent_privacy(app))
    )


def app_from_env() -> Litestar:
    """The factory the server workers call."""
    app = create_app(Settings.from_env())
    app.on_startup.extend([respondent_pages.load_templates, freeze_startup_heap])
    return app


def freeze_startup_heap() -> None:
    """Once a worker has started, keep what start-up built out of the cyclic collector's way.

    Imports, the app, its routes and its schemas are some hundreds of thousands of objects
    that live as long as the worker. Left in the oldest generation, every full collection
    walks them all: 80-110 ms with the event loop stopped, several times a minute under
    load, and most of bench/submit.py's p99. Frozen, a full collection walks only what
    requests have left behind (about 1 ms). What start-up made and dropped is collected
    first, so nothing is frozen that is already garbage.
    """
    gc.collect()
    gc.freeze()


def install_staff_language(app: Litestar) -> None:
    """Choose each request's staff-page language before the router runs; idempotent."""
    if not isinstance(app.asgi_handler, i18n.StaffLanguageMiddleware):
        app.asgi_handler = i18n.StaffLanguageMiddleware(app.asgi_handler)  # type: ignore[arg-type,assignment]
