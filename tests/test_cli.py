"""The `muster` command against a real database: JSON output, errors, exit codes."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.cli import main
from tests.conftest import ROOT

CSV = """path,name,headcount
fire,Fire Department,40
fire/north,North Battalion,25
fire/north/st-1,Station 1,12
fire/south,South Battalion,15
"""


@pytest.fixture
def muster(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Any:
    monkeypatch.setenv("MUSTER_DATABASE_URL", database_url)
    monkeypatch.setenv("MUSTER_DATA_DIR", str(tmp_path / "data"))
    # Cards point where phones reach the service (a loopback address is refused).
    monkeypatch.setenv("MUSTER_PUBLIC_URL", "https://survey.example.org")

    def run(*argv: str) -> tuple[int, Any, str]:
        code = main([*argv, "--json"])
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.strip() else None, err

    return run


def _import(muster: Any, tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text(CSV)
    code, report, _ = muster("units", "import", str(path))
    assert code == 0
    assert report["created"] == ["fire", "fire/north", "fire/north/st-1", "fire/south"]


def test_units_import_and_list_print_json(muster: Any, tmp_path: Path) -> None:
    _import(muster, tmp_path)
    code, units, _ = muster("units", "list", "--under", "fire/north")
    assert code == 0
    assert [u["path"] for u in units] == ["fire/north", "fire/north/st-1"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_json_is_printed_whether_the_flag_comes_before_or_after_the_command(
    muster: Any, tmp_path: Path, capsys: Any, where: str
) -> None:
    _import(muster, tmp_path)
    argv = ["units", "list", "--under", "fire/south"]
    assert main(["--json", *argv] if where == "before" else [*argv, "--json"]) == 0
    assert [u["path"] for u in json.loads(capsys.readouterr().out)] == ["fire/south"]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("PATH")


def test_instruments_are_listed_validated_and_synced(
    muster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, listed, _ = muster("instruments", "list")
    assert code == 0 and "openness" in {i["slug"] for i in listed}
    shipped = ROOT / "surveys" / "openness.toml"
    folder = tmp_path / "surveys"
    folder.mkdir()
    mine = folder / "team-check.toml"
    mine.write_text(shipped.read_text().replace('slug = "openness"', 'slug = "team-check"'))
    # No database is needed to check a file.
    url = os.environ["MUSTER_DATABASE_URL"]
    monkeypatch.setenv("MUSTER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, checked, _ = muster("instruments", "validate", str(mine))
    assert code == 0 and checked["slug"] == "team-check" and len(checked["version"]) == 12
    broken = folder / "broken.toml"
    broken.write_text(shipped.read_text().replace('slug = "openness"', 'slug = "Not A Slug"'))
    code, problem, _ = muster("instruments", "validate", str(broken))
    assert code == 1 and problem["type"].endswith("/invalid-instrument")
    broken.unlink()
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    code, synced, _ = muster("instruments", "sync", "--dir", str(folder))
    assert code == 0 and [(s["slug"], s["version"]) for s in synced] == [
        ("team-check", checked["version"])
    ]
    code, listed, _ = muster("instruments", "list")
    assert "team-check" in {i["slug"] for i in listed}


def test_a_dry_run_import_writes_nothing(muster: Any, tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text(CSV)
    code, report, _ = muster("units", "import", str(path), "--dry-run")
    assert code == 0 and report["dry_run"] is True
    assert muster("units", "list")[1] == []


def test_staff_add_prints_a_generated_password_once(muster: Any, tmp_path: Path) -> None:
    _import(muster, tmp_path)
    code, staff, _ = muster(
        "staff", "add", "Chief@Example.org", "--role", "leader", "--unit", "north"
    )
    assert code == 0
    assert staff["email"] == "chief@example.org"
    assert staff["unit_path"] == "fire/north"
    assert len(staff["password"]) >= 12


def test_staff_password_gives_an_admin_a_new_password_from_the_command_line(
    muster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, admin, _ = muster("staff", "add", "only.admin@example.org", "--role", "admin")
    assert code == 0
    code, reset, _ = muster("staff", "password", "Only.Admin@example.org")
    assert code == 0 and reset["email"] == "only.admin@example.org"
    assert len(reset["password"]) >= 12 and reset["password"] != admin["password"]
    monkeypatch.setattr("sys.stdin", io.StringIO("a chosen long password\n"))
    code, chosen, _ = muster("staff", "password", "only.admin@example.org", "--password-stdin")
    assert code == 0 and chosen["password"] is None
    code, problem, _ = muster("staff", "password", "nobody@example.org")
    assert code == 1 and problem["type"].endswith("/staff-not-found")


def test_programs_create_opens_no_wave_now_and_takes_level_shares(
    muster: Any, tmp_path: Path
) -> None:
    _import(muster, tmp_path)

    def create(name: str, *options: str) -> tuple[int, Any, str]:
        common = ["--root", "fire", "--instruments", "openness", "--cadence", "P3M"]
        result: tuple[int, Any, str] = muster(
            "programs", "create", "--name", name, *common, *options
        )
        return result

    code, program, err = create("Later", "--level-shares", "0.5,0.3,0.2")
    assert code == 0, err
    assert program["policy"]["level_shares"] == [0.5, 0.3, 0.2]
    starts = datetime.fromisoformat(program["starts_at"])
    assert starts - datetime.now(UTC) > timedelta(days=6)
    code, waves, _ = muster("waves", "list", "--program", str(program["program_id"]))
    assert [w["status"] for w in waves] == ["scheduled"]
    code, problem, _ = create("Bad", "--level-shares", "half,half")
    assert code == 1 and problem["errors"][0]["field"] == "level_shares"
    code, now_program, _ = create("Now", "--starts-at", "now")
    assert code == 0
    assert datetime.fromisoformat(now_program["starts_at"]) <= datetime.now(UTC)


def test_programs_and_waves_through_the_command_line(muster: Any, tmp_path: Path) -> None:
    _import(muster, tmp_path)
    code, program, err = muster(
        "programs", "create", "--name", "Culture", "--root", "fire",
        "--instruments", "openness,workplace-support", "--cadence", "P3M", "--window", "P14D",
    )  # fmt: skip
    assert code == 0, err
    assert [i["slug"] for i in program["instruments"]] == ["openness", "workplace-support"]
    code, waves, _ = muster("waves", "list", "--program", str(program["program_id"]))
    assert code == 0 and len(waves) >= 1
    wave_id = str(waves[0]["wave_id"])
    assert muster("waves", "open", wave_id)[1]["status"] == "open"
    assert muster("waves", "close", wave_id)[1]["status"] == "closed"
    code, problem, _ = muster("waves", "open", wave_id)
    assert code == 1
    assert problem["type"].endswith("/wave-transition-refused")


def test_an_error_prints_title_and_detail_and_exits_non_zero(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("MUSTER_DATABASE_URL", database_url)
    monkeypatch.setenv("MUSTER_DATA_DIR", str(tmp_path))
    assert main(["units", "list", "--under", "nowhere"]) == 1
    err = capsys.readouterr().err
    assert "error: No such unit" in err
    assert "nowhere" in err


def test_a_misspelt_setting_stops_the_command(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("MUSTER_DATABSE_URL", "postgresql://x/y")
    assert main(["units", "list"]) == 2
    assert "MUSTER_DATABSE_URL" in capsys.readouterr().err


def test_a_missing_file_is_a_usage_error(muster: Any, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["units", "import", "/no/such/file.csv"])
    assert exited.value.code == 2
    assert "cannot read /no/such/file.csv" in capsys.readouterr().err


def test_cards_are_written_to_a_file_and_a_wave_is_released(muster: Any, tmp_path: Path) -> None:
    _import(muster, tmp_path)
    code, program, _ = muster(
        "programs", "create", "--name", "Cards", "--root", "fire",
        "--instruments", "openness", "--cadence", "P3M", "--window", "P14D",
    )  # fmt: skip
    assert code == 0
    wave_id = str(muster("waves", "list")[1][0]["wave_id"])
    assert muster("waves", "open", wave_id)[0] == 0
    out = tmp_path / "cards.csv"
    code, summary, err = muster(
        "invitations", "cards", "--wave", wave_id, "--unit", "fire/north/st-1",
        "--count", "3", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert summary["cards"] == 3
    assert len(out.read_text().strip().splitlines()) == 4
    assert muster("waves", "close", wave_id)[0] == 0
    code, released, err = muster("release", wave_id)
    assert code == 0, err
    # Issue 11: the default policy spends a quarter of ε = 4 per year in each wave.
    assert released["epsilon"] == released["year_epsilon"] < 2.0
    code, ledger, _ = muster("ledger", str(program["program_id"]))
    assert [e["wave_id"] for e in ledger["entries"]] == [int(wave_id)]


def test_the_planner_prints_a_table_of_units(muster: Any, tmp_path: Path, capsys: Any) -> None:
    _import(muster, tmp_path)
    _, program, _ = muster(
        "programs", "create", "--name", "Plan", "--root", "fire",
        "--instruments", "openness", "--cadence", "P3M",
    )  # fmt: skip
    code, report, _ = muster("plan", str(program["program_id"]), "--epsilon", "2")
    assert code == 0
    assert {u["path"] for u in report["current"]["units"]} == {
        "fire", "fire/north", "fire/north/st-1", "fire/south"
    }  # fmt: skip
    assert report["epsilon"] == 2


def test_issuance_links_are_exported_as_csv_for_a_links_wave(muster: Any, tmp_path: Path) -> None:
    _import(muster, tmp_path)
    code, _, err = muster(
        "programs", "create", "--name", "Links", "--root", "fire",
        "--instruments", "openness", "--mode", "links", "--cadence", "P3M", "--window", "P14D",
    )  # fmt: skip
    assert code == 0, err
    wave_id = str(muster("waves", "list")[1][0]["wave_id"])
    assert muster("waves", "open", wave_id)[0] == 0
    out = tmp_path / "links.csv"
    code, summary, err = muster(
        "invitations", "links", "--wave", wave_id, "--unit", "fire/north/st-1",
        "--count", "3", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert summary["links"] == 3
    assert len(summary["key_fingerprint"]) == 24
    assert "never what anyone answered" in summary["mail_administrator"]
    lines = out.read_text().strip().splitlines()
    assert lines[0] == "unit_path,unit_name,link,key_fingerprint,note"
    assert len(lines) == 4 and "/t/" in lines[1]


def test_help_contacts_and_who_runs_the_survey_through_the_command_line(
    muster: Any, tmp_path: Path
) -> None:
    _import(muster, tmp_path)
    code, program, err = muster(
        "programs", "create", "--name", "Contacts", "--root", "fire",
        "--instruments", "openness", "--cadence", "P3M", "--run-by", "the peer-support team",
    )  # fmt: skip
    assert code == 0, err
    assert program["run_by"] == {"en": "the peer-support team", "fr": None}
    contacts = tmp_path / "contacts.json"
    contacts.write_text(
        json.dumps(
            [
                {
                    "name": "Peer Support Team",
                    "names": {"fr": "Équipe de soutien par les pairs"},
                    "kind": "peer_support",
                    "phone": "+1 555-0100",
                    "description": {"en": "Colleagues.", "fr": "Des collègues."},
                }
            ]
        )
    )
    program_id = str(program["program_id"])
    code, changed, err = muster(
        "programs", "contacts", program_id, "--file", str(contacts),
        "--run-by-fr", "l'équipe de soutien par les pairs",
    )  # fmt: skip
    assert code == 0, err
    [contact] = changed["resources"]
    assert contact["phone"] == "+1 555-0100"
    assert contact["names"]["fr"] == "Équipe de soutien par les pairs"
    assert contact["description"] == {"en": "Colleagues.", "fr": "Des collègues."}
    assert changed["run_by"] == {"en": None, "fr": "l'équipe de soutien par les pairs"}
    contacts.write_text(json.dumps([{"name": "Line", "kind": "crisis_line", "phone": "call me"}]))
    code, problem, _ = muster("programs", "contacts", program_id, "--file", str(contacts))
    assert code == 1
    assert "phone" in json.dumps(problem)


def test_cards_for_a_loopback_address_are_refused_unless_allowed(
    muster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(muster, tmp_path)
    code, program, _ = muster(
        "programs", "create", "--name", "Local", "--root", "fire",
        "--instruments", "openness", "--cadence", "P3M", "--window", "P14D",
    )  # fmt: skip
    assert code == 0
    _, waves, _ = muster("waves", "list", "--program", str(program["program_id"]))
    wave_id = str(waves[0]["wave_id"])
    out = tmp_path / "cards.csv"
    cards = ("invitations", "cards", "--wave", wave_id, "--unit", "fire/north/st-1")
    monkeypatch.delenv("MUSTER_PUBLIC_URL")
    code, problem, _ = muster(*cards, "--count", "2", "--out", str(out))
    assert code == 1
    assert "Set MUSTER_PUBLIC_URL (it is unset)" in problem["detail"]
    assert "http://127.0.0.1:8000" in problem["detail"]
    assert problem["errors"] == [{"field": "public_url", "message": "is a loopback address"}]
    assert not out.exists()
    monkeypatch.setenv("MUSTER_PUBLIC_URL", "http://localhost:8000")
    assert muster(*cards, "--count", "2", "--out", str(out))[0] == 1
    monkeypatch.setenv("MUSTER_ALLOW_LOCAL_LINKS", "true")
    code, summary, err = muster(*cards, "--count", "2", "--out", str(out))
    assert code == 0, err
    assert summary["cards"] == 2
    assert "http://localhost:8000/s/" in out.read_text()
