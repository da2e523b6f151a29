"""How many of 50 answered codes an attacker with the database's files finds, and links to
their exact answers, right after `muster waves close`.

    .venv/bin/python bench/linkage.py [--alone] [--snapshot]     # this checkout's code
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/linkage.py   # another's

1. Creates its own database (on MUSTER_TEST_DATABASE_URL, default the local server), two
   programs with the shipped instruments, opens their waves and loads 50 cards in each.
2. Answers each card of the first wave once through the real HTTP path (the app under
   Litestar's test client), every card with its own answers (its index in base 5 over the
   first items), and (unless --alone) a card of the other wave after each. With
   --snapshot, a REPEATABLE READ transaction is open across the close.
3. Closes the wave with `muster waves close` (whatever that command does in the code
   that runs: it vacuumed after the close before issue 12), then CHECKPOINTs.
4. Reads the raw bytes of every file of the database (tests/attacker.py) and prints how
   many code hashes it finds, and how many it links to exactly the answers sent with that
   code (and how many links are wrong): a code's spent row and a response row written by
   the same transaction (same xmin) link, when that xmin belongs to one response only.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import re
import struct
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

HERE = Path(__file__).resolve().parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(HERE.parent))

from litestar.testing import TestClient  # noqa: E402

from service import db, migrate  # noqa: E402
from service.app import create_app  # noqa: E402
from service.cli import main as muster  # noqa: E402
from service.config import Settings  # noqa: E402
from service.instruments.service import sync_instruments  # noqa: E402
from service.invitations.codes import hash_code, new_code  # noqa: E402
from service.responses import service as responses  # noqa: E402


def _load(name: str, path: Path) -> Any:
    """A module of this checkout, whatever PYTHONPATH says."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# The scanner of the attacker tests, and the set-up of the close benchmark.
attacker = _load("attacker", HERE.parent / "tests" / "attacker.py")
close_bench = _load("close_bench", HERE / "close.py")

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
INSTRUMENTS = ["help-seeking-stigma", "openness", "workplace-support"]
T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)
N, WIDTH = 50, 4  # 5**4 distinct answer patterns
FORM_KEY = re.compile(r'name="form_key" value="([A-Za-z0-9_-]{43})"')


def encode(index: int) -> list[int]:
    return [(index // 5**p) % 5 + 1 for p in range(WIDTH)]


async def cards(conn: Any, name: str, unit: int) -> tuple[int, str, list[str]]:
    """A program's wave open with N cards: (wave, survey key, codes)."""
    _, wave, key = await close_bench.open_wave(conn, name)
    codes = [new_code() for _ in range(N)]
    await conn.executemany(
        "INSERT INTO invitation (code_hash, wave_id, unit_id) VALUES ($1, $2, $3)",
        [(hash_code(code), wave, unit) for code in codes],
    )
    return wave, key, codes


async def setup(url: str) -> tuple[int, int, str, list[str], list[str], str, list[str]]:
    """(wave, unit, survey key, codes, answer keys, and the other wave's survey key and
    codes): two open waves with N cards each."""
    conn = await db.connect(url)
    try:
        await migrate.migrate(conn)
        await sync_instruments(conn, Settings().surveys_path)
        unit = await conn.fetchval(
            "INSERT INTO unit (slug, name, headcount, path, depth) "
            "VALUES ('bench', 'Bench', 100, 'bench', 0) RETURNING unit_id"
        )
        wave, key, codes = await cards(conn, "Linkage", unit)
        _, other_key, other_codes = await cards(conn, "Other activity", unit)
        layout = await responses.fetch_survey_layout(conn, key)
        return wave, unit, key, codes, list(layout.keys), other_key, other_codes
    finally:
        await conn.close()


def answers_of(data: bytes, start: int) -> list[int] | None:
    """The answers right after a response tuple's (wave_id, unit_id) at `start`."""
    stored = attacker.answers_at(data, start + 16)
    return None if stored is None else list(stored)


def scan(folders: list[Path], wave: int, unit: int, codes: list[str]) -> tuple[int, int, int]:
    """(hashes found, correct links, wrong links)."""
    hashes = {hash_code(code): i for i, code in enumerate(codes)}
    files = list(attacker.files_under(*folders))
    found = attacker.find(files, list(hashes))
    # Every response tuple version, by the transaction that wrote it.
    by_xmin: dict[int, list[list[int]]] = {}
    for version in attacker.response_versions(files, wave, unit):
        data = version.path.read_bytes()
        answers = answers_of(data, version.offset)
        if answers is not None:
            by_xmin.setdefault(version.xmin, []).append(answers)
    # Every occurrence of a hash as the first column of a heap tuple (a spent row): a short
    # varlena header byte before it, the tuple header before that.
    right = wrong = 0
    linked: set[bytes] = set()
    pattern = re.compile(b"|".join(re.escape(h) for h in hashes))
    for path in files:
        data = path.read_bytes()
        for match in pattern.finditer(data):
            start = match.start() - 1 - attacker.HEAP_HEADER
            if start < 0 or match.group(0) in linked:
                continue
            (xmin,) = struct.unpack_from("<I", data, start)
            candidates = by_xmin.get(xmin, [])
            if len(candidates) != 1:
                continue
            linked.add(match.group(0))
            if candidates[0][:WIDTH] == encode(hashes[match.group(0)]):
                right += 1
            else:
                wrong += 1
    return len(found), right, wrong


async def report(url: str, when: str, wave: int, unit: int, codes: list[str]) -> None:
    conn = await db.connect(url)
    try:
        await conn.execute("CHECKPOINT")
        folders = await attacker.database_folders(conn)
    finally:
        await conn.close()
    found, right, wrong = scan(folders, wave, unit, codes)
    print(
        f"{when}: {found} of {N} code hashes found in the database's files; {right} linked "
        f"to their exact answers, {wrong} wrong links",
        flush=True,
    )


def answer(client: TestClient[Any], key: str, code: str, answers: dict[str, str]) -> None:
    page = client.get(f"/s/{key}")
    form_key = FORM_KEY.search(page.text)
    assert form_key is not None
    sent = client.post(f"/s/{key}", data={"code": code, "form_key": form_key.group(1), **answers})
    assert sent.status_code == 200, sent.text


async def run(server: str, args: argparse.Namespace) -> None:
    name = f"muster_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = server.rpartition("/")
        url = f"{base}/{name}"
        wave, unit, key, codes, keys, other_key, other_codes = await setup(url)
        data_dir = tempfile.mkdtemp(prefix="muster-linkage-")
        settings = Settings(database_url=url, data_dir=data_dir, scheduler_interval=0)
        with TestClient(create_app(settings), base_url="https://testserver.local") as client:
            for index, code in enumerate(codes):
                answer(client, key, code, dict(zip(keys, map(str, encode(index)), strict=False)))
                if args.other:
                    # Another wave answered in between, in the same tables (main) or not.
                    answer(client, other_key, other_codes[index], {})
        os.environ["MUSTER_DATABASE_URL"] = url
        os.environ["MUSTER_DATA_DIR"] = data_dir
        print(f"code under test: {Path(responses.__file__).parents[2]}")
        await report(url, "before the close (the scan can find them)", wave, unit, codes)
        holder = await asyncpg.connect(url)
        if args.snapshot:
            # As pg_dump does, or any report left open: a snapshot older than the close.
            await holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            await holder.fetchval("SELECT count(*) FROM wave")
        try:
            closed = await asyncio.to_thread(muster, ["waves", "close", str(wave), "--json"])
            assert closed == 0
            await report(url, f"after `muster waves close` ({scenario(args)})", wave, unit, codes)
        finally:
            await holder.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def scenario(args: argparse.Namespace) -> str:
    parts = ["another wave answered in between" if args.other else "this wave alone"]
    if args.snapshot:
        parts.append("a REPEATABLE READ snapshot held across the close")
    return ", ".join(parts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--alone", dest="other", action="store_false", help="no other wave")
    parser.add_argument("--snapshot", action="store_true", help="hold a snapshot across it")
    logging.disable(logging.WARNING)  # the app's start-up and the test client's requests
    server = os.environ.get("MUSTER_TEST_DATABASE_URL") or DEFAULT_URL
    asyncio.run(run(server, parser.parse_args()))
