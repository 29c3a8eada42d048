import os
import stat
import subprocess
import sys

import pytest

from pytest_autopack.backends import local_cluster
from pytest_autopack.backends.local_cluster import find_pg_bin, free_loopback_port, usual_bin_dirs
from pytest_autopack.backends.pg_admin import ping, with_database
from pytest_autopack.backends.postgres import PostgresUnavailable, provision_postgres
from pytest_autopack.errors import ProvisioningError
from pytest_autopack.urls import error_line, parse_database_url

EXE = ".exe" if os.name == "nt" else ""


def _fake_bin(folder, script="#!/bin/sh\necho 'initdb: error: boom' >&2\nexit 1\n"):
    folder.mkdir(parents=True)
    for tool in ("initdb", "pg_ctl"):
        path = folder / f"{tool}{EXE}"
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def test_find_pg_bin_needs_both_tools(tmp_path):
    only_initdb = tmp_path / "a"
    only_initdb.mkdir()
    (only_initdb / f"initdb{EXE}").write_text("")
    both = _fake_bin(tmp_path / "b")
    assert find_pg_bin([only_initdb]) is None
    assert find_pg_bin([only_initdb, both]) == both.resolve()
    assert find_pg_bin([]) is None


def test_usual_folders_newest_first(monkeypatch, tmp_path):
    for version in ("9.6", "15", "13"):
        (tmp_path / "postgresql" / version / "bin").mkdir(parents=True)
    monkeypatch.setattr(local_cluster, "USUAL_BIN_PATTERNS", ((tmp_path / "postgresql", "*/bin"),))
    assert [path.parent.name for path in usual_bin_dirs()] == ["15", "13", "9.6"]


def test_free_port_is_bindable():
    assert 1024 <= free_loopback_port() < 65536


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for initdb")
def test_broken_initdb_becomes_a_reason_not_a_crash(tmp_path, no_docker):
    fake = _fake_bin(tmp_path / "bin")
    with pytest.raises(PostgresUnavailable) as info:
        provision_postgres(None, require=False, workdir=tmp_path / "work", search_dirs=[fake])
    reason = info.value.reasons[-1]
    assert reason.startswith("local cluster: ")
    # as a normal user the script runs and fails; as root, the postgres account cannot even reach it
    assert "initdb: error: boom" in reason or "cannot run" in reason
    assert not any(p.name.startswith("autopack-pg-") for p in (tmp_path / "work").iterdir())


def test_error_line_masks_password_in_any_form():
    url = parse_database_url("postgresql://u:p%40ss%2Fw0rd@h:5432/postgres")
    for text in ("failed for p%40ss%2Fw0rd", "failed for p@ss/w0rd", "see postgresql://u:p@h/db\nsecond line"):
        reason = error_line(RuntimeError(text), url)
        assert "w0rd" not in reason and "\n" not in reason and "***" in reason


def test_with_database_keeps_credentials_and_options():
    url = parse_database_url("postgresql://u:pw@h:6543/postgres?sslmode=disable")
    assert (
        with_database(url, "autopack_ab12cd34_gw0").raw
        == "postgresql://u:pw@h:6543/autopack_ab12cd34_gw0?sslmode=disable"
    )


@pytest.mark.skipif(os.name == "nt" or find_pg_bin() is None, reason="POSIX only, needs initdb/pg_ctl")
def test_cluster_of_a_dead_run_is_reaped(tmp_path):
    cluster = local_cluster.start_local_cluster(tmp_path)
    try:
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        (cluster.root / local_cluster.OWNER_FILE).write_text(str(dead.pid), encoding="ascii")
        alive = local_cluster.start_local_cluster(tmp_path)  # reaps on the way
        try:
            assert not cluster.root.exists()
            assert alive.root.exists()
            with pytest.raises(ProvisioningError):
                ping(cluster.admin_url, source="reaped cluster", timeout_s=2)
        finally:
            alive.stop()
    finally:
        cluster.stop()
