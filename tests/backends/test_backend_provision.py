import importlib.util
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from pytest_autopack.backends import containers, local_cluster
from pytest_autopack.backends.containers import containers_unavailable_reason, docker_unavailable_reason
from pytest_autopack.backends.postgres import PostgresServer, PostgresUnavailable, provision_postgres
from pytest_autopack.errors import ProvisioningError, UsageError
from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.urls import parse_database_url

SECRET = "s3cret-Pw"


def test_explicit_url_wins(pg_admin, tmp_path, no_docker):
    with provision_postgres(pg_admin.raw, require=True, workdir=tmp_path) as server:
        assert server.source == "url"
        assert server.admin == pg_admin
    assert not list(tmp_path.iterdir())  # nothing started, nothing to clean


def test_close_leaves_a_given_server_running(pg_admin, tmp_path):
    server = provision_postgres(pg_admin.raw, require=False, workdir=tmp_path)
    server.close()
    server.close()
    engine = create_engine_for(server.admin)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


def test_unreachable_url_is_one_line_without_password(tmp_path):
    started = time.monotonic()
    with pytest.raises(ProvisioningError) as info:
        provision_postgres(f"postgresql://autopack:{SECRET}@127.0.0.1:1/postgres", require=False, workdir=tmp_path)
    message = str(info.value)
    assert time.monotonic() - started < 5
    assert not isinstance(info.value, PostgresUnavailable)  # an explicit URL never falls back
    assert "127.0.0.1:1" in message and "--autopack-pg-url" in message
    assert SECRET not in message and "\n" not in message


@pytest.mark.parametrize(
    "url", ["127.0.0.1:5432", "postgresql://127.0.0.1:5432/", "postgresql://h:99999/db", "mysql://h/db"]
)
def test_malformed_url_is_a_usage_error(url, tmp_path):
    with pytest.raises(UsageError):
        provision_postgres(url, require=False, workdir=tmp_path)


def test_sqlite_url_is_not_a_postgres_server(tmp_path):
    with pytest.raises(UsageError, match="postgresql"):
        provision_postgres("sqlite:///x.db", require=False, workdir=tmp_path)


def test_describe_masks_password():
    server = PostgresServer(parse_database_url(f"postgresql://u:{SECRET}@db.example:6543/postgres"), "url")
    assert server.describe() == "PostgreSQL via url at db.example:6543 (postgresql://u:***@db.example:6543/postgres)"
    assert SECRET not in repr(server)


@pytest.mark.parametrize("docker_host", ["tcp://127.0.0.1:1", "unix:///nonexistent/docker.sock", "ssh://me@host"])
def test_docker_probe_fails_fast_without_engine(monkeypatch, docker_host):
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    started = time.monotonic()
    reason = docker_unavailable_reason()
    assert reason and "\n" not in reason
    assert time.monotonic() - started < 1


def test_docker_probe_recognises_an_answering_engine(monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer():
            connection, _ = listener.accept()
            with connection:
                connection.recv(1024)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")

        thread = threading.Thread(target=answer)
        thread.start()
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        assert docker_unavailable_reason() is None
        thread.join()


def test_without_testcontainers_the_container_path_says_so(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        containers.importlib.util, "find_spec", lambda name: None if name == "testcontainers" else real_find_spec(name)
    )
    assert "testcontainers not installed" in containers_unavailable_reason()


@pytest.mark.skipif(local_cluster.find_pg_bin() is None, reason="initdb/pg_ctl not installed")
def test_local_cluster_starts_answers_and_is_removed(tmp_path, no_docker):
    started = time.monotonic()
    server = provision_postgres(None, require=True, workdir=tmp_path)
    try:
        assert server.source == "local-cluster"
        assert server.admin.raw.startswith("postgresql://postgres@127.0.0.1:")
        assert server.location is not None and server.location.is_dir()
        engine = create_engine_for(server.admin)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_setting('listen_addresses')")).scalar_one() == "127.0.0.1"
        engine.dispose()
    finally:
        server.close()
    assert not server.location.exists()
    assert time.monotonic() - started < 60


@pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0, reason="only root needs an unprivileged account")
def test_root_runs_the_tools_as_postgres():
    account = local_cluster.unprivileged_account()
    assert account is not None and account.name == "postgres" and account.uid != 0


def test_nothing_available_lists_every_reason(tmp_path, monkeypatch, no_docker):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PostgresUnavailable) as info:
        provision_postgres(None, require=True, workdir=tmp_path, search_dirs=[])
    message = str(info.value)
    assert message.startswith("PostgreSQL required but none could be provisioned: url: none given")
    assert "testcontainers: no Docker engine at" in message
    assert "local cluster: initdb/pg_ctl not found" in message
    assert "\n" not in message and len(info.value.reasons) == 3


def test_not_required_wording(tmp_path, no_docker):
    with pytest.raises(PostgresUnavailable, match="^no PostgreSQL available: "):
        provision_postgres(None, require=False, workdir=tmp_path, search_dirs=[Path(tmp_path)])
