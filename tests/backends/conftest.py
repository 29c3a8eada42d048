"""Shared fixtures for the backend tests: the real PostgreSQL server of this machine or CI."""

import os
from collections.abc import Callable

import pytest
from sqlalchemy import text

from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.urls import DatabaseURL

TEST_SERVER = os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DOCKER_HOST nothing listens on, so the container path fails the same way everywhere."""
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")


@pytest.fixture
def query_scalar() -> Callable[[DatabaseURL, str], object]:
    """Run one statement on its own engine for a database URL and return its single value.

    A fresh engine per call shows what a separate worker or process would see of that database.
    """

    def scalar(url: DatabaseURL, sql: str) -> object:
        engine = create_engine_for(url)
        try:
            with engine.begin() as connection:
                return connection.execute(text(sql)).scalar_one()
        finally:
            engine.dispose()

    return scalar
