"""Shared fixtures for the backend tests: the real PostgreSQL server of this machine or CI."""

import os

import pytest

from pytest_autopack.backends.pg_admin import ping
from pytest_autopack.errors import ProvisioningError
from pytest_autopack.urls import DatabaseURL, parse_database_url

TEST_SERVER = os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_admin() -> DatabaseURL:
    """The test server's maintenance database; skipped when absent, but a failure under CI=true."""
    url = parse_database_url(TEST_SERVER, source="AUTOPACK_PG_URL")
    try:
        ping(url, source="test server")
    except ProvisioningError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the test PostgreSQL is unreachable: {exc}")
        pytest.skip(str(exc))
    return url


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DOCKER_HOST nothing listens on, so the container path fails the same way everywhere."""
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
