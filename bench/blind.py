"""Blind-signed tokens (issue 14): issuance rate, and token against card submissions.

    .venv/bin/python bench/blind.py [--seconds 15] [--connections 64] [--workers 2]
                                    [--issuers 16] [--tokens 40000]

1. Creates its own database (on MUSTER_TEST_DATABASE_URL, default the local server), a tree
   of four stations, and two programs over it with the three shipped instruments: one in
   `cards` mode, one in `links` mode (its wave's key is made as it opens). Loads card code
   hashes, exports issuance links (ticket hashes), and makes --tokens valid tokens with
   the wave's private key read from the database (ordinary RSASSA-PSS signatures over
   prepared messages, which is exactly what a finalised blind signature is).
2. The floor: BlindSign (service.tokens.blindrsa.blind_sign) in this process, one core,
   for --seconds / 3 seconds; and OpenSSL's own RSA-PSS signing for comparison.
3. Runs `muster serve` (Granian, --workers, one signing process each) and:
   a. issuance: --issuers concurrent clients, each blinding in this process, calling
      POST /s/<survey>/issue and checking the unblinded signature; signatures/s and p99;
   b. card submissions, POST /s/<cards survey> with wrk at --connections, for --seconds;
   c. token submissions, POST /s/<links survey> with wrk, same load and time;
   d. card submissions again while the issuance clients run, to show that signing does not
      hold up submissions (it runs in the signing processes, off the event loop).
4. Prints the figures and the ratios (target: token submissions >= 0.8 x card submissions),
   checks that every 200 stored exactly one response, and drops its database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    count_responses,
    fetch_layout,
    free_port,
    load_cards,
    make_stations,
    open_wave,
    scratch_database,
    serve,
    settle,
    work_dir,
    write_bodies,
    wrk,
)
from service import db, migrate  # noqa: E402
from service.config import Settings  # noqa: E402
from service.instruments.service import sync_instruments  # noqa: E402
from service.invitations import service as invitations  # noqa: E402
from service.tokens import blindrsa  # noqa: E402
from tests.tokens import client as rfc  # noqa: E402

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blindrsa.SALT_BYTES)


async def _setup(url: str, cards: int, tickets: int) -> dict[str, Any]:
    conn = await db.connect(url)
    try:
        await migrate.migrate(conn)
        await sync_instruments(conn, Settings().surveys_path)
        units = await make_stations(conn, 4, 250, "station-{}")
        start = datetime.now(UTC) - timedelta(hours=1)
        _, card_wave, card_key = await open_wave(conn, "Bench cards", starts_at=start)
        _, link_wave, link_key = await open_wave(conn, "Bench links", mode="links", starts_at=start)
        plain = await load_cards(conn, card_wave, units, cards)
        batch = await invitations.create_links(
            conn, None, link_wave, "bench", tickets // 4, include_subtree=True
        )
        private = await conn.fetchval(
            "SELECT private_key FROM wave_signing_key WHERE wave_id = $1", link_wave
        )
        await settle(conn)
        return {
            "card_wave": card_wave,
            "card_key": card_key,
            "codes": plain,
            "link_wave": link_wave,
            "link_key": link_key,
            "tickets": [link.ticket for link in batch.links],
            "units": units,
            "private": private,
        }
    finally:
        await conn.close()


def _sign_tokens(private_der: bytes, survey_key: str, units: list[int], count: int) -> list[str]:
    key = serialization.load_der_private_key(private_der, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    out = []
    for i in range(count):
        message = f"muster/{survey_key}/{units[i % len(units)]}/".encode() + secrets.token_bytes(32)
        prepared = secrets.token_bytes(blindrsa.PREFIX_BYTES) + message
        out.append(rfc.token(prepared, key.sign(prepared, PSS, hashes.SHA384())))
    return out


def _tokens(private_der: bytes, survey_key: str, units: list[int], count: int) -> list[str]:
    workers = os.cpu_count() or 1
    share = -(-count // workers)
    with ProcessPoolExecutor(workers) as pool:
        parts = pool.map(
            _sign_tokens, *zip(*[(private_der, survey_key, units, share)] * workers, strict=True)
        )
        return [token for part in parts for token in part][:count]


def _floor(private_der: bytes, seconds: float) -> dict[str, float]:
    """Signatures/s in this process: BlindSign (Python pow) and OpenSSL's RSA-PSS."""
    public = blindrsa.public_key_der(private_der)
    n, _ = rfc.public_numbers(public)
    size = blindrsa.modulus_bytes(public)
    blinded = [secrets.randbelow(n).to_bytes(size, "big") for _ in range(64)]
    done, stop = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < stop:
        blindrsa.blind_sign(private_der, blinded[done % 64])
        done += 1
    python_rate = done / (time.perf_counter() - started)
    key = serialization.load_der_private_key(private_der, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    done, stop = 0, time.perf_counter() + seconds / 3
    started = time.perf_counter()
    while time.perf_counter() < stop:
        key.sign(b"x" * 64, PSS, hashes.SHA384())
        done += 1
    return {"blind_sign": python_rate, "openssl": done / (time.perf_counter() - started)}


async def _issue(
    base: str, survey_key: str, tickets: list[str], seconds: float, clients: int
) -> dict[str, float]:
    """--issuers clients getting tokens over HTTP as a browser does; only verified ones count."""
    queue = iter(tickets)
    latencies: list[float] = []
    done = failed = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        der = rfc.unb64((await http.get(f"/s/{survey_key}/key")).json()["public_key"])
        stop = time.perf_counter() + seconds

        async def one_client() -> None:
            nonlocal done, failed
            for ticket in queue:
                if time.perf_counter() >= stop:
                    return
                unit = int(ticket.split(".", 1)[0])
                blinded = rfc.blind(der, rfc.message_for(survey_key, unit))
                started = time.perf_counter()
                response = await http.post(
                    f"/s/{survey_key}/issue",
                    json={"ticket": ticket, "blinded_msg": rfc.b64(blinded.blinded_msg)},
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    failed += 1
                    continue
                sig = rfc.finalize(der, blinded, rfc.unb64(response.json()["blind_sig"]))
                if blindrsa.verify(der, blinded.prepared, sig):
                    done += 1
                else:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": done / elapsed,
        "issued": done,
        "failed": failed,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
    }


def _rate(run: dict[str, Any]) -> float:
    return float(run["requests"] - run["errors"]) / float(run["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--issuers", type=int, default=16, help="concurrent issuance clients")
    parser.add_argument("--tokens", type=int, default=40_000, help="and as many card codes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed as the load generator: apt-get install wrk")
    tickets = max(4_000, args.issuers * 200)
    with scratch_database("muster_bench_blind") as url, work_dir("muster-bench-blind-") as work:
        setup = asyncio.run(_setup(url, 2 * args.tokens, tickets))
        floor = _floor(setup["private"], args.seconds / 3)
        tokens = _tokens(setup["private"], setup["link_key"], setup["units"], args.tokens)
        layout = asyncio.run(fetch_layout(url, setup["card_key"]))
        card_bodies, token_bodies, busy_bodies = (work / f"{n}.txt" for n in ("c", "t", "b"))
        half = len(setup["codes"]) // 2
        write_bodies(card_bodies, layout, "code", setup["codes"][:half])
        write_bodies(busy_bodies, layout, "code", setup["codes"][half:])
        write_bodies(token_bodies, layout, "token", tokens)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(url, port, args.workers, 2, args.connections, str(work / "data"))
        try:
            # Warm both workers' signing processes (they start on the first issuance).
            spare = setup["tickets"]
            middle = len(spare) // 2
            asyncio.run(_issue(base, setup["link_key"], spare[:8], 5, 8))
            issuance = asyncio.run(
                _issue(base, setup["link_key"], spare[8:middle], args.seconds, args.issuers)
            )
            cards = wrk(port, setup["card_key"], card_bodies, args.seconds, args.connections)
            token_run = wrk(port, setup["link_key"], token_bodies, args.seconds, args.connections)

            async def busy() -> tuple[dict[str, Any], dict[str, float]]:
                signing = asyncio.create_task(
                    _issue(base, setup["link_key"], spare[middle:], args.seconds, args.issuers)
                )
                loaded = await asyncio.to_thread(
                    wrk, port, setup["card_key"], busy_bodies, args.seconds, args.connections
                )
                return loaded, await signing

            cards_busy, issuance_busy = asyncio.run(busy())
        finally:
            server.terminate()
            server.wait(20)
        stored_cards = asyncio.run(count_responses(url, setup["card_wave"]))
        stored_tokens = asyncio.run(count_responses(url, setup["link_wave"]))

    card_rate, token_rate, busy_rate = _rate(cards), _rate(token_run), _rate(cards_busy)
    print(f"machine: {os.cpu_count()} cores; {args.workers} workers, 1 signing process each; "
          f"{args.connections} wrk connections, {args.issuers} issuance clients, "
          f"{args.seconds} s per run")  # fmt: skip
    print(f"{'run':<58}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    rows = [
        ("floor: BlindSign in-process, one core (Python pow)", floor["blind_sign"], 0, 0),
        ("floor: OpenSSL RSA-PSS sign in-process (no raw RSA)", floor["openssl"], 0, 0),
        ("issuance: POST /s/<key>/issue, verified signatures", issuance["rate"],
         issuance["p50_ms"], issuance["p99_ms"]),
        ("card submissions: POST /s/<cards survey> (wrk)", card_rate, cards["p50_ms"],
         cards["p99_ms"]),
        ("token submissions: POST /s/<links survey> (wrk)", token_rate, token_run["p50_ms"],
         token_run["p99_ms"]),
        ("card submissions while issuance runs", busy_rate, cards_busy["p50_ms"],
         cards_busy["p99_ms"]),
        ("issuance while card submissions run", issuance_busy["rate"], issuance_busy["p50_ms"],
         issuance_busy["p99_ms"]),
    ]  # fmt: skip
    for label, rate, p50, p99 in rows:
        print(f"{label:<58}{rate:>9.0f}{p50:>9.1f}{p99:>9.1f}")
    ratio = token_rate / card_rate
    print(f"ratio token / card submissions: {ratio:.2f}   (target >= 0.8: "
          f"{'PASS' if ratio >= 0.8 else 'FAIL'})")  # fmt: skip
    print(f"ratio issuance over HTTP / BlindSign floor x {args.workers} processes: "
          f"{issuance['rate'] / (floor['blind_sign'] * args.workers):.2f}")  # fmt: skip
    print(f"ratio card submissions with / without issuance running: {busy_rate / card_rate:.2f}, "
          f"p99 {cards_busy['p99_ms']:.1f} ms against {cards['p99_ms']:.1f} ms")  # fmt: skip
    counted_cards = (
        cards["requests"] - cards["errors"] + cards_busy["requests"] - cards_busy["errors"]
    )
    counted_tokens = token_run["requests"] - token_run["errors"]
    failures = issuance["failed"] + issuance_busy["failed"]
    print(f"stored: cards {stored_cards} for {counted_cards} 200s, tokens {stored_tokens} for "
          f"{counted_tokens} 200s; issuance failures {failures}")  # fmt: skip
    if not counted_tokens <= stored_tokens <= counted_tokens + args.connections:
        print("MISMATCH: every 200 must store exactly one response")
    if stored_tokens >= args.tokens - args.connections:
        print(
            f"wrk ran out of tokens: the rate is wrong; run again with --tokens {2 * args.tokens}"
        )


if __name__ == "__main__":
    main()
