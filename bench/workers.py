"""A worker killed under load: what the responders saw, and what was stored, in one run.

    .venv/bin/python bench/workers.py [--codes 1500] [--clients 8] [--workers 2]

1. Creates its own database (on MUSTER_TEST_DATABASE_URL, default the local server) and a
   card wave with 2 x --codes single-use codes (bench/submit.py's set-up).
2. Runs `muster serve` with --workers Granian workers and sends --codes submissions, each
   with its own code, from --clients concurrent clients (one connection per request, as
   phones do), twice against the same server:
   - baseline: nobody is killed;
   - kill: once a third of the codes were acknowledged, one worker gets SIGKILL.
3. Prints, for both runs: submissions acknowledged (200 thank-you page), responses stored,
   acknowledged submissions whose code is not spent (re-sent through HTTP: a stored one
   answers 409 "already used"; target 0), errors the clients saw (connection reset, 5xx),
   submissions/s, and for the kill run: the longest time without any acknowledgement
   after the kill, and the time until the replacement worker had its database pool open
   (recovery). Then whether the server process is still the one that started, and drops
   its database.

Acknowledged means the service said thank you: that only happens after the commit, so the
figure to watch is "acknowledged but not stored" (must be 0). Submissions that were in the
killed worker at that moment are errors on the client's side; their code may or may not be
spent, exactly as with a dropped phone connection.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import os
import queue
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import submit  # noqa: E402
from bench._common import count_responses, free_port, scratch_database, serve, work_dir  # noqa: E402


def children(pid: int) -> set[int]:
    """The live child processes of pid (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def has_database_connection(pid: int, port: int = 5432) -> bool:
    """Whether pid holds an open TCP connection to a server on port (its pool is open)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    try:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return False
    return any(link[8:-1] in inodes for link in links if link.startswith("socket:["))


class Outcome:
    """What a run of submissions saw, from the clients' side."""

    def __init__(self) -> None:
        self.acknowledged: list[str] = []
        self.ack_times: list[float] = []
        self.errors: dict[str, int] = {}
        self.killed_at: float | None = None
        self.seconds = 0.0
        self.lock = threading.Lock()

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def longest_gap_after_kill(self) -> float:
        if self.killed_at is None:
            return 0.0
        times = sorted(t for t in self.ack_times if t >= self.killed_at)
        points = [self.killed_at, *times]
        return max((b - a for a, b in itertools.pairwise(points)), default=0.0)


def post(base: str, path: str, body: str, timeout: float = 30) -> int:
    """One POST on its own connection; the status, or raises what the connection raised."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request(
            "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# How often a client sends one code again after a connection error.
RETRIES = 5


def drive(
    base: str,
    survey_key: str,
    codes: list[str],
    clients: int,
    on_acknowledged: Callable[[int], None] | None = None,
) -> Outcome:
    """Send one submission per code from `clients` threads; on_acknowledged(n) after each."""
    outcome = Outcome()
    tries: dict[str, int] = {}
    work: queue.SimpleQueue[str] = queue.SimpleQueue()
    for code in codes:
        work.put(code)

    def client() -> None:
        while True:
            try:
                code = work.get_nowait()
            except queue.Empty:
                return
            body = urllib.parse.urlencode(
                {"code": code, "form_key": secrets.token_urlsafe(32), "send_empty": "yes"}
            )
            try:
                status = post(base, f"/s/{survey_key}", body)
            except (OSError, http.client.HTTPException) as exc:
                # Reset, refused, timed out: the phone shows an error and the person presses
                # Send again a moment later (with a new form key, as a reloaded page has).
                # Without this, clients that fail in microseconds would use up every code
                # in the instant a killed worker's connections are refused.
                outcome.error(type(exc).__name__)
                tries[code] = tries.get(code, 0) + 1
                if tries[code] < RETRIES:
                    time.sleep(0.1)
                    work.put(code)
                continue
            if status != 200:
                outcome.error(f"HTTP {status}")
                continue
            with outcome.lock:
                outcome.acknowledged.append(code)
                outcome.ack_times.append(time.monotonic())
                count = len(outcome.acknowledged)
            if on_acknowledged is not None:
                on_acknowledged(count)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.monotonic() - started
    return outcome


class Killer:
    """An on_acknowledged callback: SIGKILL one worker once `after` were acknowledged, then
    time how long until its replacement has its database pool open (the recovery)."""

    def __init__(self, server_pid: int, after: int) -> None:
        self.server_pid = server_pid
        self.after = after
        self.at: float | None = None
        self.recovery: float | None = None
        self._fired = threading.Event()
        self._watch: threading.Thread | None = None

    def __call__(self, count: int) -> None:
        if count < self.after or self._fired.is_set():
            return
        self._fired.set()
        before = children(self.server_pid)
        os.kill(min(before), signal.SIGKILL)
        self.at = time.monotonic()
        self._watch = threading.Thread(target=self._time_recovery, args=(before,))
        self._watch.start()

    def _time_recovery(self, before: set[int]) -> None:
        assert self.at is not None
        while time.monotonic() < self.at + 60:
            new = children(self.server_pid) - before
            if any(has_database_connection(pid) for pid in new):
                self.recovery = time.monotonic() - self.at
                return
            time.sleep(0.02)

    def join(self) -> None:
        if self._watch is not None:
            self._watch.join()


def unspent(base: str, survey_key: str, codes: list[str]) -> int:
    """How many of these codes the service does not know as used: it would take them again.

    Each is sent again with a new form key; a stored one answers 409 ("already used").
    """
    missing = 0
    for code in codes:
        body = urllib.parse.urlencode(
            {"code": code, "form_key": secrets.token_urlsafe(32), "send_empty": "yes"}
        )
        missing += post(base, f"/s/{survey_key}", body) != 409
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=1500, help="submissions per run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="MUSTER_WORKERS")
    args = parser.parse_args()
    if args.workers < 2:
        raise SystemExit("with one worker nobody is left to answer while it is replaced")

    with scratch_database("muster_bench_workers") as url, work_dir() as work:
        survey_key, wave_id, (baseline_codes, kill_codes) = asyncio.run(
            submit._setup(url, [args.codes, args.codes])
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(url, port, args.workers, 2, args.clients, str(work / "data"))
        try:
            baseline = drive(base, survey_key, baseline_codes, args.clients)
            kill = Killer(server.pid, args.codes // 3)
            killed = drive(base, survey_key, kill_codes, args.clients, kill)
            killed.killed_at = kill.at
            kill.join()
            recovery = kill.recovery
            lost = {
                "baseline": unspent(base, survey_key, baseline.acknowledged),
                "kill": unspent(base, survey_key, killed.acknowledged),
            }
            alive = server.poll() is None
            workers_after = len(children(server.pid))
        finally:
            server.terminate()
            server.wait(40)
        stored = asyncio.run(count_responses(url, wave_id))

    print(f"machine: {os.cpu_count()} cores; {args.workers} workers; {args.clients} clients; "
          f"{args.codes} submissions per run")  # fmt: skip
    print(f"{'run':<10}{'acknowledged':>13}{'ack. not stored':>17}{'errors':>8}{'subm./s':>9}")
    for label, run in (("baseline", baseline), ("kill", killed)):
        rate = len(run.acknowledged) / run.seconds
        errors = sum(run.errors.values())
        print(f"{label:<10}{len(run.acknowledged):>13}{lost[label]:>17}{errors:>8}{rate:>9.0f}")
    print(
        f"responses stored in the wave (both runs): {stored}; "
        f"acknowledged (both runs): {len(baseline.acknowledged) + len(killed.acknowledged)}"
    )
    print(f"errors seen in the kill run: {killed.errors or 'none'}")
    print(f"longest time without an acknowledgement after the kill: "
          f"{killed.longest_gap_after_kill():.2f} s")  # fmt: skip
    print(
        "replacement worker serving (pool open) after: "
        + ("never (within 60 s)" if recovery is None else f"{recovery:.2f} s after the kill")
    )
    ratio = (len(killed.acknowledged) / killed.seconds) / (
        len(baseline.acknowledged) / baseline.seconds
    )
    print(f"throughput kill / baseline: {ratio:.2f}")
    print(f"server still running: {alive}; workers after: {workers_after}")
    ok = alive and lost["kill"] == 0 and lost["baseline"] == 0 and recovery is not None
    print("PASS" if ok else "FAIL", "(target: 0 acknowledged lost; the server keeps answering)")


if __name__ == "__main__":
    main()
