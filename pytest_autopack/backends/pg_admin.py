"""Maintenance-database operations on a PostgreSQL server: ping, create, clone and drop databases.

``CREATE DATABASE`` and ``DROP DATABASE`` cannot run inside a transaction block, so every
operation here uses its own short-lived AUTOCOMMIT connection to the maintenance database
(``postgres``), never a pooled one that a test could have left inside a transaction.
Error messages name the server by host and port only: a URL, and so a password, never
reaches an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pytest_autopack.backends.naming import quote_identifier, validate_identifier
from pytest_autopack.errors import ProvisioningError
from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.urls import DatabaseURL, error_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

T = TypeVar("T")

OBJECT_IN_USE = "55006"  # SQLSTATE: "source database ... is being accessed by other users"
BUSY_RETRY_S = 10.0


def host_port(url: DatabaseURL) -> str:
    """``host:port`` of a PostgreSQL URL, for messages that must not carry credentials."""
    parts = urlsplit(url.raw)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def with_database(url: DatabaseURL, name: str) -> DatabaseURL:
    """The same server, user and options as ``url``, connected to database ``name`` instead."""
    parts = urlsplit(url.raw)
    return DatabaseURL(raw=urlunsplit(parts._replace(path="/" + validate_identifier(name))), dialect=url.dialect)


@contextmanager
def admin_connection(admin: DatabaseURL, *, timeout_s: int = 10) -> Iterator[Connection]:
    """An AUTOCOMMIT connection to ``admin``, closed (not pooled) on exit."""
    from sqlalchemy.pool import NullPool

    engine = create_engine_for(
        admin, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": timeout_s}
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def ping(admin: DatabaseURL, *, source: str, timeout_s: int = 5) -> int:
    """Run a real query on ``admin``; return ``server_version_num`` or raise a one-line error."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with admin_connection(admin, timeout_s=timeout_s) as connection:
            return int(connection.execute(text("SHOW server_version_num")).scalar_one())
    except SQLAlchemyError as exc:
        raise ProvisioningError(
            f"PostgreSQL at {host_port(admin)} ({source}) is unreachable: {error_line(exc, admin)}"
        ) from None


def _retry_while_busy(action: Callable[[], T]) -> T:
    """Retry ``action`` while the server reports the database as in use by other sessions.

    A template is busy for an instant while another session disconnects from it, and a
    terminated backend takes a moment to exit before ``DROP DATABASE`` can proceed.
    """
    from sqlalchemy.exc import DBAPIError

    deadline = time.monotonic() + BUSY_RETRY_S
    delay = 0.05
    while True:
        try:
            return action()
        except DBAPIError as exc:
            if getattr(exc.orig, "pgcode", None) != OBJECT_IN_USE or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def database_exists(admin: DatabaseURL, name: str) -> bool:
    """Whether database ``name`` exists on the server of ``admin``."""
    from sqlalchemy import text

    with admin_connection(admin) as connection:
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    return found is not None


def create_database(admin: DatabaseURL, name: str, template: str | None = None) -> DatabaseURL:
    """``CREATE DATABASE name [TEMPLATE template]``; return the URL of the new database."""
    statement = f"CREATE DATABASE {quote_identifier(name)}"
    if template is not None:
        statement += f" TEMPLATE {quote_identifier(template)}"

    def create() -> None:
        with admin_connection(admin) as connection:
            connection.exec_driver_sql(statement)

    _retry_while_busy(create)
    return with_database(admin, name)


def drop_database(admin: DatabaseURL, name: str) -> bool:
    """Drop ``name`` even if sessions are still connected; ``False`` when it did not exist.

    New connections are refused first and leftover ones terminated, because a session a
    crashed test left open would otherwise make ``DROP DATABASE`` fail; a template flag is
    cleared first, since PostgreSQL refuses to drop a template database.
    """
    from sqlalchemy import text

    quoted = quote_identifier(name)
    with admin_connection(admin) as connection:
        is_template = connection.execute(
            text("SELECT datistemplate FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar_one_or_none()
        if is_template is None:
            return False
        if is_template:
            connection.exec_driver_sql(f"ALTER DATABASE {quoted} IS_TEMPLATE false")
        connection.exec_driver_sql(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS false")
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        _retry_while_busy(lambda: connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}"))
    return True


def list_databases(admin: DatabaseURL, prefix: str) -> list[str]:
    """Names of the databases starting with ``prefix`` (taken literally, no LIKE wildcards)."""
    from sqlalchemy import text

    with admin_connection(admin) as connection:
        rows = connection.execute(
            text("SELECT datname FROM pg_database WHERE left(datname, :k) = :p ORDER BY datname"),
            {"k": len(prefix), "p": prefix},
        )
        return [row[0] for row in rows]
