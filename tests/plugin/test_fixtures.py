"""The database fixtures, exercised as a user's test suite would, on both dialects."""

from __future__ import annotations

import os

import pytest

PG_URL = os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKEND_ARGS = ["--autopack-backend=both", f"--autopack-pg-url={PG_URL}", "--autopack-require-postgres"]

ISOLATION = """
from sqlalchemy import text

def _count(session):
    return session.execute(text("SELECT COUNT(*) FROM dashboard_events WHERE run_id = 'isolation-probe'")).scalar_one()

def _write(session):
    session.execute(text(
        "INSERT INTO dashboard_events (run_id, event_type, message, created_at) "
        "VALUES ('isolation-probe', 'probe', 'x', CURRENT_TIMESTAMP)"))

def test_a_writes_and_commits(autopack_db):
    assert _count(autopack_db) == 0
    _write(autopack_db)
    autopack_db.commit()
    assert _count(autopack_db) == 1

def test_b_sees_nothing(autopack_db):
    assert _count(autopack_db) == 0
    _write(autopack_db)
    autopack_db.commit()

def test_c_sees_nothing_either(autopack_db):
    assert _count(autopack_db) == 0
"""


def test_rows_written_in_one_test_are_invisible_in_the_next(autopack_pytester):
    autopack_pytester.makepyfile(ISOLATION)
    result = autopack_pytester.runpytest("-v", "-p", "no:randomly", *BACKEND_ARGS)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*test_a_writes_and_commits[[]sqlite[]] PASSED*", "*[[]postgresql[]] PASSED*"])


def test_isolation_holds_under_xdist(autopack_pytester):
    autopack_pytester.makepyfile(ISOLATION)
    result = autopack_pytester.runpytest_subprocess("-n", "2", *BACKEND_ARGS)
    result.assert_outcomes(passed=6)


def test_per_worker_databases_are_distinct_and_dropped(autopack_pytester):
    autopack_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.autopack_postgres
        @pytest.mark.parametrize("n", range(4))
        def test_name(autopack_database, n):
            print("DBNAME", autopack_database.url.raw.rsplit("/", 1)[-1])
        """
    )
    result = autopack_pytester.runpytest_subprocess("-n", "2", "-s", *BACKEND_ARGS)
    result.assert_outcomes(passed=4)
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as conn:
        leftovers = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'autopack\\_%'")).scalars()
        names = [n for n in leftovers if any(n.startswith(f"autopack_{rid}") for rid in _run_ids(result))]
    engine.dispose()
    assert names == [], f"databases of this run left behind: {names}"


def _run_ids(result: pytest.RunResult) -> list[str]:
    return [line.rsplit("run_id=", 1)[1].strip() for line in result.outlines if "run_id=" in line]


def test_dataset_handles_match_the_database(autopack_pytester):
    autopack_pytester.makepyfile(
        """
        from sqlalchemy import text

        def test_dataset(autopack_db, autopack_dataset, autopack_dialect):
            runs = autopack_db.execute(text("SELECT COUNT(*) FROM runs")).scalar_one()
            assert runs == autopack_dataset.row_counts["runs"] > 0
            state = autopack_db.execute(
                text("SELECT state FROM runs WHERE id = :id"), {"id": autopack_dataset.largest_run_id}
            ).scalar_one()
            assert state
        """
    )
    result = autopack_pytester.runpytest(*BACKEND_ARGS)
    result.assert_outcomes(passed=2)


def test_dialect_markers_pin_a_test(autopack_pytester):
    autopack_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.autopack_sqlite
        def test_only_sqlite(autopack_dialect, autopack_engine):
            assert autopack_dialect == autopack_engine.dialect.name == "sqlite"

        @pytest.mark.autopack_postgres
        def test_only_pg(autopack_dialect, autopack_engine):
            assert autopack_dialect == autopack_engine.dialect.name == "postgresql"
        """
    )
    result = autopack_pytester.runpytest("-v", *BACKEND_ARGS)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_only_sqlite[[]sqlite[]]*PASSED*", "*test_only_pg[[]postgresql[]]*PASSED*"])


def test_explicit_db_url_is_used_as_is(autopack_pytester, tmp_path):
    target = tmp_path / "mine.db"
    autopack_pytester.makepyfile(
        """
        from sqlalchemy import inspect

        def test_target(autopack_engine, autopack_database):
            assert autopack_database.embedded is False
            assert inspect(autopack_engine).get_table_names() == []

        def test_no_dataset(autopack_dataset):
            pass
        """
    )
    result = autopack_pytester.runpytest("-rs", f"--autopack-db-url=sqlite:///{target.as_posix()}")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*the target database was given explicitly*"])


def test_kill_switches_are_restored(autopack_pytester, monkeypatch):
    monkeypatch.setenv("AUTOPACK_ENABLE_CONSOLIDATED_METRICS", "0")
    autopack_pytester.makepyfile(
        """
        import os
        import pytest
        from pytest_autopack.flags import is_enabled

        def test_flip(kill_switches):
            kill_switches.enable("AUTOPACK_ENABLE_CONSOLIDATED_METRICS")
            assert is_enabled("AUTOPACK_ENABLE_CONSOLIDATED_METRICS")
            raise AssertionError("fails on purpose: restoration must still happen")

        @pytest.mark.autopack_flags(AUTOPACK_ENABLE_PHASE6_METRICS=True)
        def test_marker():
            assert is_enabled("AUTOPACK_ENABLE_PHASE6_METRICS")

        def test_after():
            assert os.environ["AUTOPACK_ENABLE_CONSOLIDATED_METRICS"] == "0"
            assert "AUTOPACK_ENABLE_PHASE6_METRICS" not in os.environ

        def test_unknown(kill_switches):
            with pytest.raises(KeyError, match="unknown flag 'AUTOPACK_ENABLE_TYPO'"):
                kill_switches.enable("AUTOPACK_ENABLE_TYPO")
        """
    )
    result = autopack_pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=1)
