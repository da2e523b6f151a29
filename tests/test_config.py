from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.config import Settings, SettingsError


def test_settings_are_read_from_muster_variables() -> None:
    settings = Settings.from_env({"MUSTER_PORT": "9001", "MUSTER_DATABASE_URL": "postgresql://x/y"})
    assert settings.port == 9001
    assert settings.database_url == "postgresql://x/y"


def test_variables_without_the_prefix_are_ignored() -> None:
    assert Settings.from_env({"PORT": "1", "HOME": "/root"}) == Settings()


def test_a_misspelt_variable_fails_with_its_name() -> None:
    with pytest.raises(SettingsError, match="MUSTER_PROT"):
        Settings.from_env({"MUSTER_PROT": "9001"})


def test_the_test_database_variable_is_not_a_service_setting() -> None:
    assert Settings.from_env({"MUSTER_TEST_DATABASE_URL": "postgresql://x/y"}) == Settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MUSTER_PORT", "eighty"),
        ("MUSTER_PORT", "70000"),
        ("MUSTER_WORKERS", "0"),
        ("MUSTER_MAX_BODY_BYTES", "10"),
        ("MUSTER_POOL_MAX_SIZE", "0"),
        ("MUSTER_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_fails_with_the_variable_name(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 2), (3, 3), (16, 4)])
def test_the_default_is_one_worker_per_core_so_a_crash_leaves_another_serving(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
    assert Settings.from_env({}).workers == workers


def test_the_data_folder_is_one_per_user_whatever_the_working_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    paths = set()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        paths.add(Settings.from_env({}).data_path)
    assert paths == {tmp_path / "share" / "muster"}
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({"MUSTER_DATA_DIR": "here"}).data_path == tmp_path / "here"
