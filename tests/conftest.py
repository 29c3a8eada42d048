"""Shared test set-up: the evaluation lineages from ../shared, and a pytester preset for plugin tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# In-process pytester runs drop the modules they imported; a second inner run re-importing
# SQLAlchemy next to the outer process's copy breaks its internals. Load them once, up front.
import alembic.autogenerate  # noqa: F401  isort: skip
import sqlalchemy.dialects.postgresql  # noqa: F401  isort: skip
import sqlalchemy.orm  # noqa: F401  isort: skip
import pytest_autopack.fixtures.dataset  # noqa: F401  isort: skip
import pytest_autopack.schema.migrations  # noqa: F401  isort: skip

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

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
