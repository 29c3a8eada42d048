"""Per-worker PostgreSQL databases cloned from one migrated template per pytest run.

Migrating once and cloning with ``CREATE DATABASE … TEMPLATE …`` costs one file-level copy
per worker instead of one full migration per worker. The template is sealed after it is
built (``IS_TEMPLATE``, no connections allowed), because ``CREATE DATABASE`` fails while any
session is connected to its source, and a stray connection would turn that into a flaky
clone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_autopack.backends.naming import quote_identifier, run_prefix
from pytest_autopack.backends.once import build_once
from pytest_autopack.backends.pg_admin import (
    admin_connection,
    create_database,
    database_exists,
    drop_database,
    list_databases,
)
from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.urls import DatabaseURL

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def ensure_template(admin: DatabaseURL, template_name: str, prepare: Callable[[Engine], None], lock_dir: Path) -> bool:
    """Build ``template_name`` with ``prepare`` unless a worker of this run already did.

    ``lock_dir`` must be shared by all workers of one run and by no other run (e.g. the
    parent of pytest's basetemp under xdist). Returns ``True`` in the one process that
    built. A failed ``prepare`` drops the half-built database and re-raises.
    """

    def build() -> None:
        drop_database(admin, template_name)
        url = create_database(admin, template_name)
        engine = create_engine_for(url)
        try:
            prepare(engine)
        except BaseException:
            engine.dispose()
            drop_database(admin, template_name)
            raise
        engine.dispose()
        with admin_connection(admin) as connection:
            connection.exec_driver_sql(
                f"ALTER DATABASE {quote_identifier(template_name)} IS_TEMPLATE true ALLOW_CONNECTIONS false"
            )

    return build_once(lock_dir, template_name, build, lambda: database_exists(admin, template_name))


def clone_for_worker(admin: DatabaseURL, template_name: str, database_name: str) -> DatabaseURL:
    """Create ``database_name`` as a copy of the template and return its URL.

    A database of that name left by an interrupted run with the same run id is dropped
    first, so a worker always starts from the template's exact state.
    """
    drop_database(admin, database_name)
    return create_database(admin, database_name, template=template_name)


def drop_run_databases(admin: DatabaseURL, run_id: str) -> list[str]:
    """Drop every database of run ``run_id`` (workers' and template); return their names.

    Meant for the xdist controller once all workers are down, so no worker can still be
    cloning from the template.
    """
    names = list_databases(admin, run_prefix(run_id))
    for name in names:
        drop_database(admin, name)
    return names
