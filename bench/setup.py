"""Clone to serving: `make demo` before and after the runtime lock, in one run.

    .venv/bin/python bench/setup.py [--warm] [--only before|runtime|full] [--baseline REF]

For each variant, in a folder of its own, with the newcomer's empty pip cache (unless
--warm, which shares this user's cache):
1. `git clone` this repository and check out the variant's commit;
2. runs make in the clone with an embedded PostgreSQL (MUSTER_DATABASE_URL unset) and a
   free port:
   - before:  `make demo` at --baseline (default: the last commit before issue 16 split
     the lock), which installed everything: Playwright, mypy, pandas, Polars, schemathesis;
   - runtime: `make demo` at HEAD, which installs requirements.lock only;
   - full:    `make dev demo` at HEAD: also requirements-dev.lock, what `make test` needs;
3. polls GET /readyz until the demo serves, and notes when the virtual environment was
   ready (make's stamp file appears) and its size;
4. stops make and the server (SIGTERM to its process group; the embedded PostgreSQL stops
   with it) and deletes the folder.

Prints, per variant: clone, install and clone-to-serving seconds and the venv's size; the
floor (git clone plus an empty `python -m venv`, measured in the same run); and the ratio
runtime / before against the issue's target (at most 0.5).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The last commit whose `make demo` installed the development tools too.
BASELINE = "00e8685f3c250fb476913b3f9a24b60662e9227e"
# variant: (commit, make targets, the stamp make leaves once its virtualenv is complete)
VARIANTS = {
    "before": (BASELINE, ["demo"], ".installed-*"),
    "runtime": ("HEAD", ["demo"], ".runtime-*"),
    "full": ("HEAD", ["dev", "demo"], ".dev-*"),
}
TIMEOUT = 1800


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _clone(dest: Path, ref: str = "HEAD") -> None:
    """This repository at `ref` as this checkout names it (a worktree's branch included)."""
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", ref], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "--quiet", head], check=True)


def _floor(work: Path) -> float:
    """What no install can beat: the clone and an empty virtual environment."""
    started = time.monotonic()
    _clone(work / "floor")
    subprocess.run([sys.executable, "-m", "venv", str(work / "floor" / ".venv")], check=True)
    return time.monotonic() - started


def _stop(process: subprocess.Popen[bytes], pgdata: Path) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    pid_file = pgdata / "postmaster.pid"
    if pid_file.exists():  # the server outlived its process: a fast shutdown
        try:
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            time.sleep(2)
        except (ProcessLookupError, ValueError):
            pass


def run_variant(name: str, work: Path, warm: bool, baseline: str) -> dict[str, Any]:
    ref, targets, stamp = VARIANTS[name]
    ref = baseline if name == "before" else ref
    folder = work / name
    folder.mkdir()
    # The embedded PostgreSQL runs as its own user when we are root; it must reach its data.
    os.chmod(work, 0o755)  # noqa: S103
    os.chmod(folder, 0o755)  # noqa: S103
    clone = folder / "muster"
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MUSTER_", "VIRTUAL_ENV", "PIP_"))
    }
    env.update(
        MUSTER_PORT=str(port),
        MUSTER_DATA_DIR=str(folder / "data"),
        PATH=":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p),
    )
    if not warm:
        env["PIP_CACHE_DIR"] = str(folder / "pip-cache")
    started = time.monotonic()
    _clone(clone, ref)
    cloned = time.monotonic() - started
    log = (folder / "make.log").open("wb")
    process = subprocess.Popen(
        ["make", *targets],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    installed = None
    serving = None
    try:
        while time.monotonic() - started < TIMEOUT:
            if installed is None and list((clone / ".venv").glob(stamp)):
                installed = time.monotonic() - started
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    serving = time.monotonic() - started
                    break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.5)
        venv_bytes = _size(clone / ".venv") if (clone / ".venv").exists() else 0
    finally:
        _stop(process, folder / "data" / "pgdata")
        log.close()
    if serving is None:
        tail = (folder / "make.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"{name}: the demo never served\n{tail}")
    return {
        "clone_s": cloned,
        "install_s": installed,
        "serving_s": serving,
        "venv_mb": venv_bytes / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", action="store_true", help="use this user's pip cache")
    parser.add_argument("--only", choices=sorted(VARIANTS), help="measure one variant")
    parser.add_argument("--baseline", default=BASELINE, help="the commit 'before' measures")
    args = parser.parse_args()
    if shutil.which("make") is None or shutil.which("git") is None:
        raise SystemExit("make and git are needed")
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if dirty:
        print("note: uncommitted changes are not measured; the clone is of HEAD")
    work = Path(tempfile.mkdtemp(prefix="muster-bench-setup-"))
    results: dict[str, dict[str, Any]] = {}
    try:
        floor = _floor(work)
        for name in [args.only] if args.only else list(VARIANTS):
            results[name] = run_variant(name, work, args.warm, args.baseline)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    cache = "this user's pip cache" if args.warm else "an empty pip cache each"
    print(f"machine: {os.cpu_count()} cores; {cache}; Python {sys.version.split()[0]}")
    print(f"floor (git clone + empty venv): {floor:.1f} s")
    print(f"{'variant':<10}{'clone s':>9}{'venv ready s':>14}{'serving s':>11}{'venv MB':>9}")
    for name, r in results.items():
        ready = "-" if r["install_s"] is None else f"{r['install_s']:.1f}"
        print(
            f"{name:<10}{r['clone_s']:>9.1f}{ready:>14}{r['serving_s']:>11.1f}{r['venv_mb']:>9.0f}"
        )
    if "before" in results and "runtime" in results:
        ratio = results["runtime"]["serving_s"] / results["before"]["serving_s"]
        verdict = "PASS" if ratio <= 0.5 else "FAIL"
        print(f"clone to serving, runtime / before: {ratio:.2f}  {verdict} (target <= 0.5)")
    if "full" in results and "runtime" in results:
        ratio = results["runtime"]["serving_s"] / results["full"]["serving_s"]
        print(f"clone to serving, runtime / full install now: {ratio:.2f}")


if __name__ == "__main__":
    main()
