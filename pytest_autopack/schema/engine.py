"""Engines configured the way the rest of the project relies on.

SQLite: pysqlite's own transaction handling skips BEGIN before DDL and breaks
SAVEPOINTs, so the driver is put in autocommit and SQLAlchemy emits BEGIN itself;
that makes DDL transactional (a failed migration step rolls back) and lets
``autopack_db`` nest savepoints. PostgreSQL: every session runs with TimeZone UTC,
so naive timestamps written by the ORM stay UTC (Autopack's convention).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_autopack.urls import DatabaseURL

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def create_engine_for(url: DatabaseURL, **kwargs: Any) -> Engine:
    """A SQLAlchemy engine for ``url`` with the dialect set-up described above."""
    from sqlalchemy import create_engine, event

    if url.dialect == "sqlite":
        engine = create_engine(url.sqlalchemy_url, **kwargs)

        @event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _explicit_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine

    connect_args = dict(kwargs.pop("connect_args", {}))
    options = connect_args.get("options", "")
    connect_args["options"] = f"{options} -c timezone=UTC".strip()
    connect_args.setdefault("connect_timeout", 10)
    return create_engine(url.sqlalchemy_url, connect_args=connect_args, pool_pre_ping=True, **kwargs)


def dialect_of(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return engine.dialect.name
