import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from pytest_autopack.backends.naming import new_run_id, template_database_name, worker_database_name
from pytest_autopack.backends.pg_admin import create_database, database_exists, drop_database, list_databases
from pytest_autopack.backends.pg_template import clone_for_worker, drop_run_databases, ensure_template
from pytest_autopack.schema.engine import create_engine_for

ROOT = Path(__file__).resolve().parents[2]

RACER = """
import sys, time
from pathlib import Path
from sqlalchemy import text
from pytest_autopack.backends.pg_template import ensure_template
from pytest_autopack.urls import parse_database_url

def prepare(engine):
    time.sleep(0.5)  # a slow migration: the other process must wait, not build too
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE builds (pid int)"))
        connection.execute(text("INSERT INTO builds VALUES (:p)"), {"p": __import__("os").getpid()})

built = ensure_template(parse_database_url(sys.argv[1]), sys.argv[2], prepare, Path(sys.argv[3]))
print("built" if built else "reused")
"""


def _prepare(engine):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE runs (id int PRIMARY KEY, state text NOT NULL)"))
        connection.execute(text("INSERT INTO runs VALUES (1, 'DONE_SUCCESS')"))


@pytest.fixture
def run_id(pg_admin):
    run = new_run_id()
    yield run
    drop_run_databases(pg_admin, run)


def test_create_exists_drop(pg_admin, run_id, query_scalar):
    name = worker_database_name(run_id, "gw0")
    url = create_database(pg_admin, name)
    assert database_exists(pg_admin, name)
    assert query_scalar(url, "SELECT current_database()") == name
    assert drop_database(pg_admin, name) is True
    assert not database_exists(pg_admin, name)
    assert drop_database(pg_admin, name) is False


def test_drop_terminates_leftover_sessions(pg_admin, run_id):
    name = worker_database_name(run_id, "gw0")
    engine = create_engine_for(create_database(pg_admin, name))
    connection = engine.connect()
    connection.execute(text("SELECT 1"))
    try:
        assert drop_database(pg_admin, name)
    finally:
        engine.dispose()  # the server already closed the session; dispose just forgets it
    assert not database_exists(pg_admin, name)


def test_clone_waits_while_source_is_busy(pg_admin, run_id):
    source = worker_database_name(run_id, "src")
    engine = create_engine_for(create_database(pg_admin, source))
    connection = engine.connect()
    connection.execute(text("SELECT 1"))

    def release():
        connection.close()
        engine.dispose()  # really disconnect: close() alone returns the session to the pool

    releaser = threading.Timer(0.3, release)
    releaser.start()
    started = time.monotonic()
    create_database(pg_admin, worker_database_name(run_id, "copy"), template=source)
    assert time.monotonic() - started >= 0.25  # it retried instead of failing on "being accessed"
    releaser.join()


def test_template_built_once_then_cloned_per_worker(pg_admin, run_id, tmp_path, query_scalar):
    template = template_database_name(run_id)
    assert ensure_template(pg_admin, template, _prepare, tmp_path) is True
    assert ensure_template(pg_admin, template, _prepare, tmp_path) is False
    gw0 = clone_for_worker(pg_admin, template, worker_database_name(run_id, "gw0"))
    gw1 = clone_for_worker(pg_admin, template, worker_database_name(run_id, "gw1"))
    assert gw0 != gw1
    assert query_scalar(gw0, "SELECT state FROM runs WHERE id = 1") == "DONE_SUCCESS"
    query_scalar(gw0, "INSERT INTO runs VALUES (2, 'RUN_CREATED') RETURNING id")
    assert query_scalar(gw0, "SELECT count(*) FROM runs") == 2
    assert query_scalar(gw1, "SELECT count(*) FROM runs") == 1  # workers never share a database


def test_template_rebuilt_when_it_vanished(pg_admin, run_id, tmp_path):
    template = template_database_name(run_id)
    ensure_template(pg_admin, template, _prepare, tmp_path)
    drop_database(pg_admin, template)
    assert ensure_template(pg_admin, template, _prepare, tmp_path) is True


def test_failed_prepare_leaves_no_template(pg_admin, run_id, tmp_path):
    template = template_database_name(run_id)

    def broken(engine):
        _prepare(engine)
        raise RuntimeError("migration step 3 failed")

    with pytest.raises(RuntimeError, match="step 3"):
        ensure_template(pg_admin, template, broken, tmp_path)
    assert not database_exists(pg_admin, template)
    assert ensure_template(pg_admin, template, _prepare, tmp_path) is True


def test_two_processes_race_and_exactly_one_builds(pg_admin, run_id, tmp_path, query_scalar):
    template = template_database_name(run_id)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, pg_admin.raw, template, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [racer.communicate(timeout=60) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], results
    assert sorted(out.strip() for out, _ in results) == ["built", "reused"]
    clone = clone_for_worker(pg_admin, template, worker_database_name(run_id, "gw0"))
    assert query_scalar(clone, "SELECT count(*) FROM builds") == 1


def test_runs_are_isolated_and_dropped(pg_admin, tmp_path):
    run_a, run_b = new_run_id(), new_run_id()
    try:
        for run in (run_a, run_b):
            template = template_database_name(run)
            ensure_template(pg_admin, template, _prepare, tmp_path / run)
            for worker in ("gw0", "gw1"):
                clone_for_worker(pg_admin, template, worker_database_name(run, worker))
        assert sorted(drop_run_databases(pg_admin, run_a)) == [
            f"autopack_{run_a}_gw0",
            f"autopack_{run_a}_gw1",
            f"autopack_{run_a}_tpl",
        ]
        assert list_databases(pg_admin, f"autopack_{run_a}_") == []
        assert len(list_databases(pg_admin, f"autopack_{run_b}_")) == 3  # the other run is untouched
    finally:
        drop_run_databases(pg_admin, run_a)
        drop_run_databases(pg_admin, run_b)
    assert list_databases(pg_admin, f"autopack_{run_b}_") == []
