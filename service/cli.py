"""The `muster` command: everything an operator needs without the web UI.

Every command takes `--json` to print machine-readable output. Errors print the
problem's title and detail (or the problem document with --json) and exit non-zero.
What they print is written by service/terminal.py; `muster serve` runs service/server.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from service import db, migrate
from service.cli_cards import Command, cmd_invitations
from service.config import Settings, SettingsError
from service.errors import PROBLEM_BASE, DomainError, FieldError, InvalidInput, Problem, field_error
from service.instruments.service import sync_instruments
from service.server import serve
from service.terminal import emit, emit_problem

EXIT_PROBLEM = 1
EXIT_USAGE = 2
# When `programs create` is not told when the first wave opens.
FIRST_WAVE_LEAD = timedelta(days=7)


def _now() -> datetime:
    return datetime.now(UTC)


# --- commands ---------------------------------------------------------------------------


async def cmd_migrate(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    applied = await migrate.migrate(conn)
    emit({"applied": applied, "pending": await migrate.pending(conn)}, args)


async def cmd_staff_add(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.auth import service as auth
    from service.auth.schemas import StaffCreate

    data = _convert({"email": args.email, "role": args.role, "unit": args.unit}, StaffCreate)
    created = await auth.add_staff(conn, None, data)
    emit(created, args)


async def cmd_staff_password(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    """A new password for any account, an administrator's included: the way back in when
    the only administrator forgot theirs. Lifts the sign-in delays; signs out everywhere."""
    from service.auth import service as auth

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    generated = await auth.reset_password(conn, None, args.email, password)
    emit({"email": args.email.strip().lower(), "password": generated}, args)


async def cmd_instruments_list(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.instruments.service import list_instruments

    emit(
        await list_instruments(conn),
        args,
        ["slug", "version", "item_count", "languages", "loaded_at"],
    )


async def cmd_instruments_sync(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    """Store the instruments of MUSTER_SURVEYS_DIR (or --dir) now, as a start-up does."""
    folder: Path = args.dir or settings.surveys_path
    rows = await sync_instruments(conn, folder)
    emit(
        [{"slug": r.slug, "version": r.version, "folder": str(folder)} for r in rows],
        args,
        ["slug", "version", "folder"],
    )


def cmd_instruments_validate(args: argparse.Namespace, settings: Settings) -> None:
    """Check one instrument file as loading would, without a database."""
    from service.instruments.service import load_instrument_file

    loaded = load_instrument_file(Path(args.file))
    instrument = loaded.instrument
    emit(
        {
            "file": loaded.path,
            "valid": True,
            "slug": instrument.slug,
            "version": loaded.version,
            "languages": instrument.languages,
            "items": len(instrument.items),
            "scales": [scale.id for scale in instrument.scales],
        },
        args,
    )


async def cmd_units_import(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.units import service as units

    report = await units.import_units_csv(conn, None, args.file, dry_run=args.dry_run)
    emit(report, args)


async def cmd_units_list(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.units import service as units

    emit(await units.list_units(conn, None, args.under), args, ["path", "name", "headcount"])


async def cmd_programs_create(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.programs import service as programs
    from service.programs.schemas import ProgramCreate

    raw: dict[str, Any] = {}
    if args.file:
        raw.update(msgspec.json.decode(args.file))
    flags = {
        "name": args.name,
        "root_unit": args.root,
        "instruments": args.instruments.split(",") if args.instruments else None,
        "cadence": args.cadence,
        "window": args.window,
        "mode": args.mode,
        "starts_at": args.starts_at,
        "run_by": _run_by(args),
    }
    raw.update({k: v for k, v in flags.items() if v is not None})
    policy = dict(raw.get("policy") or {})
    for key, value in (
        ("epsilon_per_wave", args.epsilon),
        ("annual_epsilon_cap", args.annual_cap),
        ("waves_per_year", args.waves_per_year),
        ("delta", args.delta),
        ("level_shares", _shares(args.level_shares)),
    ):
        if value is not None:
            policy[key] = value
    if policy:
        raw["policy"] = policy
    if raw.get("starts_at") == "now":
        raw["starts_at"] = _now().isoformat()
    # No wave opens by surprise: the first one opens a week from now unless told otherwise,
    # time to print the cards (`muster waves open` opens it earlier).
    raw.setdefault("starts_at", _first_wave_default().isoformat())
    program = await programs.create_program(conn, None, _convert(raw, ProgramCreate), _now())
    emit(program, args)


def _run_by(args: argparse.Namespace) -> dict[str, str] | None:
    texts = {"en": args.run_by, "fr": args.run_by_fr}
    return {lang: text for lang, text in texts.items() if text} or None


async def cmd_programs_contacts(
    conn: db.Conn, args: argparse.Namespace, settings: Settings
) -> None:
    """Replace a program's help contacts (a JSON list, as the API takes) and who runs it."""
    from service.programs import service as programs
    from service.programs.schemas import ProgramUpdate

    raw: dict[str, Any] = {}
    if args.file:
        raw["resources"] = msgspec.json.decode(args.file)
    if (run_by := _run_by(args)) is not None:
        raw["run_by"] = run_by
    update = _convert(raw, ProgramUpdate)
    emit(await programs.update_program(conn, None, args.program_id, update, _now()), args)


def _shares(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidInput(
            "Give one share per tree level, root first, separated by commas: 0.5,0.3,0.2.",
            errors=[FieldError(field="level_shares", message="expected numbers")],
        ) from None


def _first_wave_default() -> datetime:
    return (_now() + FIRST_WAVE_LEAD).replace(minute=0, second=0, microsecond=0)


async def cmd_programs_list(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.programs import service as programs

    emit(
        await programs.list_programs(conn, None),
        args,
        ["program_id", "name", "mode", "cadence", "window"],
    )


async def cmd_waves_list(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.waves import service as waves

    emit(
        await waves.list_waves(conn, None, args.program),
        args,
        ["wave_id", "program_id", "seq", "status", "opens_at", "closes_at"],
    )


async def cmd_waves_open(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.waves import service as waves

    emit(await waves.open_wave(conn, None, args.wave_id, _now()), args)


async def cmd_waves_close(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.waves import service as waves

    # Its relations are replaced once this commits (db.transaction in _run_command).
    emit(await waves.close_wave(conn, None, args.wave_id, _now()), args)


async def cmd_release(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.privacy import service as privacy

    emit(await privacy.release_wave(conn, None, args.wave_id, _now()), args)


async def cmd_ledger(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.privacy import service as privacy

    report = await privacy.ledger_report(conn, None, args.program_id, _now())
    if args.json:
        emit(report, args)
        return
    emit(
        {k: v for k, v in msgspec.to_builtins(report).items() if k != "entries"},
        args,
    )
    print()
    emit(report.entries, args, ["wave_id", "mechanism", "rho", "epsilon", "delta", "at"])


async def cmd_plan(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.privacy import planner

    report = await planner.plan_program(
        conn, None, args.program_id, participation=args.participation, epsilon=args.epsilon
    )
    if args.json:
        emit(report, args)
        return
    for title, shares in (("with the policy's level shares", report.current),
                          ("with the best level shares", report.best)):  # fmt: skip
        if shares is None:
            continue
        print(
            f"{title} {shares.level_shares}: {shares.publishable_units} units with every "
            f"scale mean each wave, {shares.publishable_headlines} with headline means each "
            f"wave, {shares.publishable_pooled} with headline means pooled over 4 waves, "
            f"{shares.publishable_counts} with publishable counts"
        )
        emit(
            shares.units, args,
            ["path", "headcount", "expected_responses", "count_half_width", "mean_half_width",
             "headline_half_width", "pooled_half_width", "publish_count", "publish_mean",
             "publish_headline", "publish_pooled"],
        )  # fmt: skip
        print()
    for line in report.advice:
        print("- " + line)


async def cmd_export(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    from service.export.service import export_to_file

    emit(await export_to_file(conn, None, args.program, args.wave, args.format, args.out), args)


def _convert(raw: dict[str, Any], cls: type[Any]) -> Any:
    """Decode command-line input with the same rules as the API, errors naming the field."""
    try:
        return msgspec.convert(raw, type=cls, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidInput(
            "Correct the option and run the command again.",
            errors=[field_error(exc, "input")],
        ) from None


# --- the parser -------------------------------------------------------------------------


def _text_file(path: str) -> str:
    """Read a file named on the command line; argparse reports a missing one by name."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {exc.strerror}") from None


def build_parser() -> argparse.ArgumentParser:
    # --json before the command or after it. A subcommand's parser would otherwise reset
    # what the main parser read (argparse applies a subparser's defaults last), so only
    # the main parser has a default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text"
    )
    parser = argparse.ArgumentParser(
        prog="muster",
        description="Anonymous culture surveys with differentially private releases.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the web service")
    serve.set_defaults(run=None, action="serve")
    demo = sub.add_parser("demo", parents=[common], help="seed a demo organisation, then serve")
    demo.add_argument("--no-serve", action="store_true", help="seed and print, but do not serve")
    demo.set_defaults(run=None, action="demo")
    sub.add_parser("migrate", parents=[common], help="apply pending migrations").set_defaults(
        run=cmd_migrate
    )

    staff = sub.add_parser("staff", help="staff accounts").add_subparsers(
        dest="sub", required=True, metavar="ACTION"
    )
    add = staff.add_parser("add", parents=[common], help="add a staff account")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=["admin", "leader", "researcher"])
    add.add_argument("--unit", help="unit path or slug that scopes a leader or researcher")
    add.set_defaults(run=cmd_staff_add)
    pw = staff.add_parser(
        "password", parents=[common], help="set a new password (generated unless given)"
    )
    pw.add_argument("email")
    pw.add_argument(
        "--password-stdin", action="store_true", help="read the new password from stdin"
    )
    pw.set_defaults(run=cmd_staff_password)

    instruments = sub.add_parser("instruments", help="questionnaires").add_subparsers(
        dest="sub", required=True, metavar="ACTION"
    )
    instruments.add_parser(
        "list", parents=[common], help="the latest version of each stored instrument"
    ).set_defaults(run=cmd_instruments_list)
    check = instruments.add_parser(
        "validate", parents=[common], help="check an instrument file (no database needed)"
    )
    check.add_argument("file", help="an instrument file, e.g. surveys/my-check-in.toml")
    check.set_defaults(run=None, local=cmd_instruments_validate)
    sync = instruments.add_parser(
        "sync", parents=[common], help="store the instrument files' new versions now"
    )
    sync.add_argument(
        "--dir", type=Path, help="folder of *.toml files (default: MUSTER_SURVEYS_DIR)"
    )
    sync.set_defaults(run=cmd_instruments_sync)

    units = sub.add_parser("units", help="the unit tree").add_subparsers(
        dest="sub", required=True, metavar="ACTION"
    )
    imp = units.add_parser("import", parents=[common], help="import units from CSV")
    imp.add_argument("file", type=_text_file, help="CSV with the header path,name,headcount")
    imp.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    imp.set_defaults(run=cmd_units_import)
    lst = units.add_parser("list", parents=[common], help="list units")
    lst.add_argument("--under", help="only this unit's subtree (path or slug)")
    lst.set_defaults(run=cmd_units_list)

    programs = sub.add_parser("programs", help="recurring survey programs").add_subparsers(
        dest="sub", required=True, metavar="ACTION"
    )
    create = programs.add_parser("create", parents=[common], help="create a program")
    create.add_argument(
        "--file", type=_text_file, help="JSON file with the program (flags override it)"
    )
    create.add_argument("--name")
    create.add_argument("--root", help="root unit path or slug")
    create.add_argument("--instruments", help="comma-separated instrument slugs")
    create.add_argument("--cadence", help="ISO 8601 duration between waves, e.g. P3M")
    create.add_argument("--window", help="ISO 8601 duration a wave stays open, e.g. P14D")
    create.add_argument("--mode", choices=["cards", "links", "open"])
    create.add_argument(
        "--epsilon", type=float, help="privacy loss per wave (default: the year's over its waves)"
    )
    create.add_argument(
        "--annual-cap", type=float, help="privacy loss per person per rolling year (the guarantee)"
    )
    create.add_argument("--waves-per-year", type=int, help="waves the yearly budget is split over")
    create.add_argument("--delta", type=float)
    create.add_argument(
        "--level-shares",
        help="share of each wave's budget per tree level, root first, e.g. 0.5,0.3,0.2 "
        "(see `muster plan`; default: the planner's best for the tree's headcounts)",
    )
    create.add_argument(
        "--starts-at",
        help="ISO 8601 time the first wave opens, or 'now' (default: in 7 days, on the hour)",
    )
    for program_parser in (
        create,
        contacts := programs.add_parser(
            "contacts", parents=[common], help="set a program's help contacts and who runs it"
        ),
    ):
        program_parser.add_argument(
            "--run-by", help="who runs the survey, e.g. 'the peer-support team'"
        )
        program_parser.add_argument("--run-by-fr", help="the same in French")
    contacts.add_argument("program_id", type=int)
    contacts.add_argument(
        "--file",
        type=_text_file,
        help="JSON list of contacts: name, names {en, fr}, kind, phone, contact, url, "
        "description {en, fr}",
    )
    contacts.set_defaults(run=cmd_programs_contacts)
    create.set_defaults(run=cmd_programs_create)
    programs.add_parser("list", parents=[common], help="list programs").set_defaults(
        run=cmd_programs_list
    )

    waves = sub.add_parser("waves", help="waves of a program").add_subparsers(
        dest="sub", required=True, metavar="ACTION"
    )
    wl = waves.add_parser("list", parents=[common], help="list waves")
    wl.add_argument("--program", type=int, help="only this program's waves")
    wl.set_defaults(run=cmd_waves_list)
    for action, run in (("open", cmd_waves_open), ("close", cmd_waves_close)):
        w = waves.add_parser(action, parents=[common], help=f"{action} a wave now")
        w.add_argument("wave_id", type=int)
        w.set_defaults(run=run)
    inv = sub.add_parser("invitations", help="cards and open links").add_subparsers(
        dest="sub", required=True, metavar="ACTION"
    )
    for kind, help_text in (
        ("cards", "print single-use cards"),
        ("links", "links mode: one issuance link per person (--count); open mode: one per unit"),
    ):
        cmd = inv.add_parser(kind, parents=[common], help=help_text)
        cmd.add_argument("--wave", type=int, required=True)
        cmd.add_argument("--unit", required=True, help="unit path or slug")
        if kind == "cards":
            cmd.add_argument(
                "--count", type=int, help="cards per unit (default: headcount + --spare-percent)"
            )
            cmd.add_argument(
                "--spare-percent",
                type=int,
                default=10,
                help="without --count: each unit's headcount plus this percent (default 10)",
            )
        else:
            cmd.add_argument(
                "--count", type=int, help="links mode: issuance links per unit (CSV only)"
            )
        cmd.add_argument("--subtree", action="store_true", help="for every leaf unit below")
        cmd.add_argument("--paper", choices=["a4", "letter"], default="a4")
        cmd.add_argument("--out", required=True, help="cards.pdf, cards.html or links.csv")
        cmd.set_defaults(run=cmd_invitations(kind))
    rel = sub.add_parser("release", parents=[common], help="release a closed wave (once)")
    rel.add_argument("wave_id", type=int)
    rel.set_defaults(run=cmd_release)
    pl = sub.add_parser("plan", parents=[common], help="which units a budget makes publishable")
    pl.add_argument("program_id", type=int)
    pl.add_argument("--participation", type=float, default=0.6, help="expected response rate")
    pl.add_argument(
        "--epsilon", type=float, help="budget per person per year to try (default: policy)"
    )
    pl.set_defaults(run=cmd_plan)
    ex = sub.add_parser(
        "export", parents=[common], help="released aggregates with privacy metadata"
    )
    ex.add_argument("--program", type=int, required=True)
    ex.add_argument("--wave", type=int)
    ex.add_argument("--format", choices=["csv", "json", "parquet"], default="csv")
    ex.add_argument("--out", required=True)
    ex.set_defaults(run=cmd_export)
    led = sub.add_parser("ledger", parents=[common], help="a program's privacy ledger")
    led.add_argument("program_id", type=int)
    led.set_defaults(run=cmd_ledger)
    return parser


async def _run_command(command: Command, args: argparse.Namespace, settings: Settings) -> None:
    url = db.resolve_database_url(settings.database_url, settings.data_path)
    conn = await db.connect(url)
    try:
        if command is not cmd_migrate:
            # The same start-up work as the service: schema current, instruments loaded.
            await migrate.migrate(conn)
            async with conn.transaction():
                await sync_instruments(conn, settings.surveys_path)
        async with db.transaction(conn):
            await command(conn, args, settings)
    finally:
        await conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.run is not None:
            asyncio.run(_run_command(args.run, args, settings))
        elif getattr(args, "local", None) is not None:
            args.local(args, settings)
        elif args.action == "demo":
            from service import demo

            asyncio.run(demo.run(settings, as_json=args.json))
            if not args.no_serve:
                serve(settings)
        else:
            serve(settings)
    except DomainError as exc:
        emit_problem(exc.to_problem(), args.json)
        return EXIT_PROBLEM
    except (migrate.MigrationError, OSError, msgspec.DecodeError) as exc:
        emit_problem(
            Problem(PROBLEM_BASE + "command-failed", "The command failed", 500, str(exc)),
            args.json,
        )
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
