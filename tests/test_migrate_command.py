"""`autopack migrate` as a user runs it, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import inspect

from pytest_autopack.cli import main


def test_dry_run_then_apply_then_noop(autopack_scratch_db, capsys):
    url = autopack_scratch_db()
    assert main(["migrate", "--db-url", url.raw, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "[pending] tables:autopack" in out and "CREATE TABLE runs" in out
    assert "11 pending step(s), 0 applied (dry run: nothing was changed)" in out

    from pytest_autopack.schema.engine import create_engine_for

    engine = create_engine_for(url)
    assert inspect(engine).get_table_names() == []  # the dry run wrote nothing
    assert main(["migrate", "--db-url", url.raw]) == 0
    assert "step(s) applied now" in capsys.readouterr().out
    assert {"runs", "phase_metrics", "dashboard_events"} <= set(inspect(engine).get_table_names())
    assert main(["migrate", "--db-url", url.raw]) == 0
    assert "0 step(s) applied now, 11 already in place" in capsys.readouterr().out
    engine.dispose()


def test_database_url_default_and_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    assert (tmp_path / "autopack.db").exists()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{(tmp_path / 'env.db').as_posix()}")
    assert main(["migrate"]) == 0
    assert (tmp_path / "env.db").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not-a-url", "autopack migrate: error: --db-url: not a database URL"),
        (
            "postgresql://gate:hunter2@127.0.0.1:1/autopack",
            "autopack migrate: error: cannot connect to postgresql://gate:***@127.0.0.1:1/autopack",
        ),
        ("oracle://h/db", "autopack migrate: error: --db-url: unsupported database scheme 'oracle'"),
    ],
)
def test_bad_database_urls_are_one_line(url, expected):
    result = subprocess.run([sys.executable, "-m", "pytest_autopack.cli", "migrate", "--db-url", url],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_help_is_real():
    result = subprocess.run([sys.executable, "-m", "pytest_autopack.cli", "migrate", "--help"], capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert "--dry-run" in result.stdout and "never drops" in result.stdout
