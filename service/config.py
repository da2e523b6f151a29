"""Settings: one frozen struct, read once from MUSTER_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from service.errors import field_error

PREFIX = "MUSTER_"
# Variables that belong to the tooling around the service, not to the service itself.
NOT_SETTINGS = frozenset({"MUSTER_TEST_DATABASE_URL"})
SHIPPED_SURVEYS = Path(__file__).resolve().parent.parent / "surveys"
MAX_DEFAULT_WORKERS = 4


def default_data_dir() -> Path:
    """This user's data folder: ~/.local/share/muster ($XDG_DATA_HOME/muster) on Linux,
    ~/Library/Application Support/muster on macOS, %LOCALAPPDATA%\\muster on Windows."""
    import platformdirs

    return platformdirs.user_data_path("muster", appauthor=False)


def default_workers() -> int:
    """One worker per usable core, so that a crashed worker leaves another serving."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


class SettingsError(Exception):
    """A MUSTER_* variable is unknown or has a value of the wrong kind."""


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    # PostgreSQL to use; empty means an embedded server with its data under data_dir.
    database_url: str = ""
    # Local state: the embedded database and the generated secret key. Empty: one folder
    # per user (default_data_dir), whatever folder a command runs from.
    data_dir: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # The address responders reach the service at, printed on invitation cards and links,
    # e.g. https://survey.example.org. Empty: the address the request came to (API) or
    # http://{host}:{port} (command line). Set it behind a proxy or TLS terminator.
    public_url: str = ""
    # Print cards and links that point at a loopback address (127.0.0.1, localhost), which
    # no responder's phone can reach: for trying Muster out on one machine only.
    allow_local_links: bool = False
    # Server worker processes; a worker that dies is replaced. Default: one per CPU core
    # this process may use, at most MAX_DEFAULT_WORKERS.
    workers: int = msgspec.field(default_factory=default_workers)
    # Key for the keyed hashes of API tokens; generated into data_dir when empty.
    secret_key: str = ""
    # Where instrument files are read from; empty means the instruments shipped with Muster.
    surveys_dir: str = ""
    # Largest request body accepted, in bytes.
    max_body_bytes: int = 262_144
    pool_min_size: int = 2
    pool_max_size: int = 10
    # Connections per worker that store submissions in groups (service/responses/batching.py);
    # they come out of the pool while there is work.
    submit_writers: int = 2
    # Processes per worker that make blind signatures for emailed links (service/tokens):
    # signing is CPU work that must not stop the worker's event loop.
    signing_processes: int = 1
    # How often the wave scheduler looks for waves to open or close, in seconds; 0 turns it off.
    scheduler_interval: float = 30.0
    # Staff sessions expire after this many hours.
    session_hours: int = 12
    # Failed sign-ins answered at once per account; after more, within login_window_minutes,
    # each attempt waits a growing delay of at most login_max_delay_seconds (no lockout).
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_max_delay_seconds: int = 60
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        checks = {
            "port": 0 < self.port < 65536,
            "workers": self.workers >= 1,
            "max_body_bytes": self.max_body_bytes >= 1024,
            "pool_min_size": self.pool_min_size >= 1,
            "pool_max_size": self.pool_max_size >= self.pool_min_size,
            "submit_writers": 1 <= self.submit_writers < self.pool_max_size,
            "signing_processes": 1 <= self.signing_processes <= 64,
            "scheduler_interval": self.scheduler_interval >= 0,
            "session_hours": self.session_hours >= 1,
            "login_max_failures": self.login_max_failures >= 1,
            "login_window_minutes": self.login_window_minutes >= 1,
            "login_max_delay_seconds": 1 <= self.login_max_delay_seconds <= 3600,
            "log_level": self.log_level in {"DEBUG", "INFO", "WARNING", "ERROR"},
            "public_url": self.public_url == "" or _is_base_url(self.public_url),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            names = ", ".join(PREFIX + name.upper() for name in bad)
            raise SettingsError(f"out of range: {names} (see docs/settings.md)")

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve() if self.data_dir else default_data_dir()

    @property
    def surveys_path(self) -> Path:
        return Path(self.surveys_dir).resolve() if self.surveys_dir else SHIPPED_SURVEYS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Decode every MUSTER_* variable; an unknown one is an error that names it."""
        env = os.environ if environ is None else environ
        known = set(cls.__struct_fields__)
        raw: dict[str, str] = {}
        for key, value in env.items():
            if not key.startswith(PREFIX) or key in NOT_SETTINGS:
                continue
            name = key.removeprefix(PREFIX).lower()
            if name not in known:
                raise SettingsError(f"unknown setting {key} (see docs/settings.md)")
            raw[name] = value
        try:
            return msgspec.convert(raw, type=cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(_name_variable(exc)) from None


def _is_base_url(url: str) -> bool:
    # Card links are built as {public_url}/s/...: a query or fragment here would break them.
    parts = urlsplit(url)
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.netloc)
        and not (parts.query or parts.fragment or any(ch.isspace() for ch in url))
    )


def _name_variable(exc: msgspec.ValidationError) -> str:
    # msgspec says "... - at `$.port`"; point at the variable instead.
    problem = field_error(exc)
    return f"{PREFIX}{problem.field.upper()}: {problem.message}" if problem.field else str(exc)
