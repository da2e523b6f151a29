"""The `muster` command against a real database: JSON output, errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.cli import main

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
    assert released["epsilon"] <= 1.0 + 1e-9
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
