"""``autopack seed`` end to end on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from pytest_autopack.backends.pg_admin import create_database, drop_database
from pytest_autopack.cli import main
from pytest_autopack.urls import DatabaseURL


def _autopack(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "pytest_autopack.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture
def pg_database(pg_admin: DatabaseURL) -> Iterator[DatabaseURL]:
    admin = pg_admin
    name = f"autopack_seed_{uuid.uuid4().hex[:12]}"
    url = create_database(admin, name)
    yield url
    drop_database(admin, name)


def _summary(stdout: str) -> dict[str, int]:
    line = stdout.strip().splitlines()[-1]
    assert line.startswith("seeded scale 1 seed ")
    return {k: int(v) for k, v in (item.split("=") for item in line.split(": ", 1)[1].split())}


def test_seed_sqlite_end_to_end_then_refuse_reseed(tmp_path: Path) -> None:
    db = tmp_path / "autopack.db"
    errors = tmp_path / "errors"
    first = _autopack("seed", "--db-url", f"sqlite:///{db.as_posix()}", "--errors-dir", str(errors))
    assert first.returncode == 0, first.stderr
    counts = _summary(first.stdout)
    with sqlite3.connect(db) as conn:
        for table, count in counts.items():
            if table != "error_reports":
                assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count, table
    files = sorted(errors.glob("*/errors/*.json"))
    assert len(files) == counts["error_reports"] > 0
    assert json.loads(files[0].read_text(encoding="utf-8"))["run_id"] == files[0].parent.parent.name

    again = _autopack("seed", "--db-url", f"sqlite:///{db.as_posix()}")
    assert again.returncode == 2
    assert again.stderr.strip().count("\n") == 0 and "already holds the dataset of seed" in again.stderr
    assert "Traceback" not in again.stderr and again.stdout == ""
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == counts["runs"]


def test_seed_postgres_masks_password_and_refuses_reseed(pg_database: DatabaseURL) -> None:
    parts = urlsplit(pg_database.raw)
    secret = parts.password
    if secret is None:  # trust auth ignores a password, so give the URL one to look for in the output
        secret = "hunter2-secret"
        parts = parts._replace(netloc=f"{parts.username}:{secret}@{parts.hostname}:{parts.port or 5432}")
    raw = urlunsplit(parts)
    result = _autopack("seed", "--db-url", raw, "--seed", "42")
    assert result.returncode == 0, result.stderr
    counts = _summary(result.stdout)
    assert counts["phase_metrics"] > 0 and "error_reports" not in counts
    assert secret not in result.stdout + result.stderr
    assert ":***@" in result.stderr

    again = _autopack("seed", "--db-url", raw, "--seed", "42")
    assert again.returncode == 2 and "already holds the dataset of seed 42" in again.stderr
    assert secret not in again.stdout + again.stderr

    other_seed = _autopack("seed", "--db-url", raw, "--seed", "43")
    assert other_seed.returncode == 0, other_seed.stderr


@pytest.mark.parametrize("scale", ["0", "-2", "999999"])
def test_bad_scale_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], scale: str) -> None:
    db = tmp_path / "never.db"
    assert main(["seed", "--db-url", f"sqlite:///{db.as_posix()}", "--scale", scale]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"autopack seed: error: --scale must be between 1 and 5000, got {int(scale)}"
    assert not db.exists()


def test_unreachable_database_is_one_masked_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://autopack:topsecret-pw@127.0.0.1:1/autopack"
    assert main(["seed", "--db-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("autopack seed: error: cannot connect to")
    assert "topsecret-pw" not in err


def test_errors_dir_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    assert main(["seed", "--db-url", f"sqlite:///{(tmp_path / 'a.db').as_posix()}", "--errors-dir", str(target)]) == 2
    assert "--errors-dir is not a directory" in capsys.readouterr().err


def test_help_documents_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["seed", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--db-url", "--scale", "--seed", "--errors-dir"):
        assert option in out
