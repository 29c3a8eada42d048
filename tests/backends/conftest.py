"""Shared fixtures for the backend tests: the real PostgreSQL server of this machine or CI."""

import os

import pytest

TEST_SERVER = os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DOCKER_HOST nothing listens on, so the container path fails the same way everywhere."""
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
