"""`muster serve`: the app under Granian, with access logs off."""

from __future__ import annotations

import os

from service import db
from service.config import Settings

# Seconds a worker gets to finish its requests and store waiting submissions when the
# server stops or replaces it, before it is killed.
WORKER_STOP_SECONDS = 30


def serve(settings: Settings) -> None:
    """Run the app under Granian, with access logs off: respondent requests leave no trace.

    A worker that dies (killed, out of memory) is replaced at once and the others go on
    serving, so the server and the embedded PostgreSQL it started stay up. A submission
    is acknowledged only once it is committed, so a dying worker loses none it thanked for.
    """
    from granian import Granian
    from granian.constants import Interfaces

    url = db.resolve_database_url(settings.database_url, settings.data_path)
    # Workers are separate processes; they find the same database through the environment.
    os.environ["MUSTER_DATABASE_URL"] = url
    print(f"Muster is serving on http://{settings.host}:{settings.port}", flush=True)
    Granian(
        "service.app:app_from_env",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        respawn_failed_workers=True,
        workers_kill_timeout=WORKER_STOP_SECONDS,
        log_access=False,
    ).serve()
