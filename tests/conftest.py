"""Shared test set-up: the evaluation lineages from ../shared, and a pytester preset for plugin tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_autopack.urls import DatabaseURL

# In-process pytester runs drop the modules they imported; a second inner run re-importing
# SQLAlchemy next to the outer process's copy breaks its internals. Load them once, up front.
import alembic.autogenerate  # noqa: F401  isort: skip
import sqlalchemy.dialects.postgresql  # noqa: F401  isort: skip
import sqlalchemy.orm  # noqa: F401  isort: skip
import pytest_autopack.fixtures.dataset  # noqa: F401  isort: skip
import pytest_autopack.schema.migrations  # noqa: F401  isort: skip

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TEST_SERVER = os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

if SHARED_DATA.is_dir():
    # The migration suite also loads every real Autopack lineage (DDL files) when it can see them.
    os.environ.setdefault("AUTOPACK_LINEAGE_DIR", str(SHARED_DATA))


@pytest.fixture
def autopack_pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester whose inner runs see a clean autopack environment (SQLite only unless a test says so)."""
    for name in ("AUTOPACK_STAGE", "DATABASE_URL", "AUTOPACK_REPORT", "AUTOPACK_API_URL", "AUTOPACK_ROLLOUT_STAGE",
                 "AUTOPACK_REQUIRE_POSTGRES"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOPACK_TEST_BACKENDS", "sqlite")
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    return pytester


@pytest.fixture(scope="session")
def pg_admin() -> DatabaseURL:
    """The test server's maintenance database; skipped when absent, but a failure under CI=true."""
    from pytest_autopack.backends.pg_admin import ping
    from pytest_autopack.errors import ProvisioningError
    from pytest_autopack.urls import parse_database_url

    url = parse_database_url(TEST_SERVER, source="AUTOPACK_PG_URL")
    try:
        ping(url, source="test server")
    except ProvisioningError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the test PostgreSQL is unreachable: {exc}")
        pytest.skip(str(exc))
    return url
