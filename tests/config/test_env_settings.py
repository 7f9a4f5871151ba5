"""Settings come from the environment; bad values stop start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from liangcao.config import env

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_database_scheme_names_the_variable() -> None:
    with pytest.raises(
        ImproperlyConfigured, match=r"DATABASE_URL has an unsupported scheme 'mysql'"
    ):
        env.parse_database_url("mysql://u:p@h/db", base_dir=ROOT)


def test_postgres_url_needs_a_database_name() -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must name a database"):
        env.parse_database_url("postgres://u:p@localhost:5432/", base_dir=ROOT)


def test_postgres_url_is_parsed_into_django_settings() -> None:
    db = env.parse_database_url(
        "postgresql://app:s%40cret@db.internal:6543/liangcao", base_dir=ROOT
    )
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "liangcao",
        "app",
        "s@cret",
        "db.internal",
        "6543",
    )


def test_postgres_prepares_only_hot_statements_unless_told_otherwise() -> None:
    def threshold(url: str) -> object:
        return env.parse_database_url(url, base_dir=ROOT)["OPTIONS"]["prepare_threshold"]

    assert threshold("postgres://u:p@h/db") == env.PREPARE_ONLY_HOT
    assert threshold("postgres://u:p@h/db?prepare_threshold=none") is None  # transaction pooler
    assert threshold("postgres://u:p@h/db?prepare_threshold=5") == 5
    with pytest.raises(ImproperlyConfigured, match="prepare_threshold must be a number or none"):
        threshold("postgres://u:p@h/db?prepare_threshold=often")


def test_sqlite_runs_in_wal_mode_with_immediate_transactions() -> None:
    db = env.parse_database_url("sqlite:///var/x.sqlite3", base_dir=ROOT)
    assert db["NAME"] == str(ROOT / "var" / "x.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_non_integer_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXES_FAILURE_LIMIT", "five")
    with pytest.raises(
        ImproperlyConfigured, match="AXES_FAILURE_LIMIT must be an integer, got 'five'"
    ):
        env.env_int("AXES_FAILURE_LIMIT", 5, minimum=1)


def test_boolean_setting_rejects_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be a boolean"):
        env.env_bool("DEBUG")


def _start(**overrides: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"DATABASE_URL": "mysql://u:p@h/db", "SECRET_KEY": "x" * 60},
            "DATABASE_URL has an unsupported scheme",
        ),
        (
            {"AXES_FAILURE_LIMIT": "many", "SECRET_KEY": "x" * 60},
            "AXES_FAILURE_LIMIT must be an integer",
        ),
        ({}, "SECRET_KEY must be set"),
        (
            {"SECRET_KEY": "x" * 60, "PUBLIC_BASE_URL": "ftp://x"},
            "PUBLIC_BASE_URL must start with http",
        ),
    ],
)
def test_bad_production_value_stops_start_up(overrides: dict[str, str], message: str) -> None:
    result = _start(**overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_settings_start(tmp_path: Path) -> None:
    result = _start(SECRET_KEY="x" * 60, DATABASE_URL=f"sqlite:///{tmp_path}/ok.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_migrations_run_as_the_owner_role_when_one_is_given(tmp_path: Path) -> None:
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='liangcao.config.settings';"
        "django.setup(); from django.conf import settings;"
        "print(settings.DATABASES['default']['NAME'])"
    )
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    base.update(
        SECRET_KEY="x" * 60,
        DATABASE_URL=f"sqlite:///{tmp_path}/app.sqlite3",
        MIGRATION_DATABASE_URL=f"sqlite:///{tmp_path}/owner.sqlite3",
        PYTHONPATH=str(ROOT / "src"),
    )
    app = subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True
    )
    assert app.stdout.strip().endswith("app.sqlite3")
    migrating = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "LIANGCAO_MIGRATING": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert migrating.stdout.strip().endswith("owner.sqlite3")
    bad = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "MIGRATION_DATABASE_URL": "oracle://x/y"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "MIGRATION_DATABASE_URL has an unsupported scheme" in bad.stderr
