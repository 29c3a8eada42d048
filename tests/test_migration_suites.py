"""The gate's migration checks, run as the project's own tests on every configured dialect.

With ``AUTOPACK_TEST_BACKENDS=both`` (CI, ``tox -e postgres``) each runs on SQLite and
PostgreSQL; with ``AUTOPACK_LINEAGE_DIR`` pointing at ../shared/data (tests/conftest.py)
the lineage check loads every real Autopack DDL file too.
"""

from pytest_autopack.suites.test_migrations import *  # noqa: F403
