import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from pytest_autopack.backends.naming import new_run_id, template_database_name, worker_database_name
from pytest_autopack.backends.sqlite import (
    SqliteMemory,
    clone_sqlite_for_worker,
    database_path,
    drop_sqlite_database,
    ensure_sqlite_template,
    sqlite_file_url,
    sqlite_memory_url,
)
from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.urls import parse_database_url

ROOT = Path(__file__).resolve().parents[2]

RACER = """
import os, sys, time
from pathlib import Path
from pytest_autopack.backends.sqlite import ensure_sqlite_template

def prepare(engine):
    with Path(sys.argv[3]).open("a") as log:
        log.write(f"{os.getpid()}\\n")
    time.sleep(0.5)  # a slow migration: the other process must wait, not build too
    engine.dispose()

ensure_sqlite_template(Path(sys.argv[1]), sys.argv[2], prepare)
"""


def _prepare(engine):
    raw = engine.raw_connection()  # outside a transaction, where SQLite allows the switch
    raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # the template must still copy as one file
    raw.close()
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE runs (id INTEGER PRIMARY KEY, state TEXT NOT NULL)"))
        connection.execute(text("INSERT INTO runs VALUES (1, 'DONE_SUCCESS')"))


def test_memory_database_is_shared_across_engines_and_connections():
    name = f"autopack_{new_run_id()}_mem"
    with SqliteMemory(name) as memory:
        writer, reader = create_engine_for(memory.url), create_engine_for(memory.url)
        with writer.begin() as connection:
            connection.execute(text("CREATE TABLE flags (name TEXT)"))
            connection.execute(text("INSERT INTO flags VALUES ('AUTOPACK_SKIP_CI')"))
        with reader.connect() as connection:
            assert connection.execute(text("SELECT name FROM flags")).scalar_one() == "AUTOPACK_SKIP_CI"
        raw = sqlite3.connect(f"file:/{name}?vfs=memdb", uri=True)
        assert raw.execute("SELECT count(*) FROM flags").fetchone() == (1,)
        raw.close()
        writer.dispose()
        reader.dispose()
    fresh = create_engine_for(sqlite_memory_url(name))
    with fresh.connect() as connection:  # every connection closed: the database is gone
        assert connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one() == 0
    fresh.dispose()


def test_memory_reader_waits_for_writer_instead_of_failing():
    with SqliteMemory(f"autopack_{new_run_id()}_mem") as memory:
        writer, reader = create_engine_for(memory.url), create_engine_for(memory.url)
        with writer.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        seen = []

        def read():
            with reader.connect() as other:
                seen.append(other.execute(text("SELECT count(*) FROM t")).scalar_one())

        with writer.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            thread = threading.Thread(target=read)
            thread.start()
            time.sleep(0.2)
        thread.join()
        assert seen == [1]  # the reader waited for the commit, it did not fail with "locked"
        writer.dispose()
        reader.dispose()


def test_memory_names_are_validated():
    with pytest.raises(Exception, match="unsafe database name"):
        sqlite_memory_url("x?mode=rw")


def test_file_url_round_trips(tmp_path, query_scalar):
    url = sqlite_file_url(tmp_path / "a.sqlite3")
    assert url.raw == "sqlite:///" + (tmp_path / "a.sqlite3").resolve().as_posix()
    assert parse_database_url(url.raw) == url
    assert query_scalar(url, "SELECT 1") == 1
    assert (tmp_path / "a.sqlite3").exists()


def test_template_built_once_and_copied_per_worker(tmp_path, query_scalar):
    run = new_run_id()
    calls = []

    def counting(engine):
        calls.append(1)
        _prepare(engine)

    template = ensure_sqlite_template(tmp_path, template_database_name(run), counting)
    assert ensure_sqlite_template(tmp_path, template_database_name(run), counting) == template
    assert len(calls) == 1
    assert not template.with_name(template.name + "-wal").exists()
    gw0 = clone_sqlite_for_worker(template, tmp_path, worker_database_name(run, "gw0"))
    gw1 = clone_sqlite_for_worker(template, tmp_path, worker_database_name(run, "gw1"))
    assert gw0 != gw1
    query_scalar(gw0, "INSERT INTO runs VALUES (2, 'RUN_CREATED') RETURNING id")
    assert query_scalar(gw0, "SELECT count(*) FROM runs") == 2
    assert query_scalar(gw1, "SELECT count(*) FROM runs") == 1


def test_failed_prepare_leaves_no_template(tmp_path):
    name = template_database_name(new_run_id())

    def broken(engine):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        ensure_sqlite_template(tmp_path, name, broken)
    assert not database_path(tmp_path, name).exists()


def test_two_processes_race_and_exactly_one_builds(tmp_path):
    run = new_run_id()
    name = template_database_name(run)
    log = tmp_path / "prepare-calls.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(tmp_path / "dbs"), name, str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [racer.communicate(timeout=60) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], results
    assert len(log.read_text().splitlines()) == 1
    assert database_path(tmp_path / "dbs", name).exists()


def test_drop_removes_side_files(tmp_path):
    path = tmp_path / "w.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).write_bytes(b"")
    assert drop_sqlite_database(path) is True
    assert list(tmp_path.iterdir()) == []
    assert drop_sqlite_database(path) is False
