"""The building blocks of migration steps: the base class, tables, indexes, and SQL helpers.

A step knows how to tell whether the target already has what it adds (by
introspection), which SQL it would run now (for ``--dry-run``) and how to apply
it safely. ``migrations.py`` orders the steps and runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_autopack.schema import introspect

if TYPE_CHECKING:
    from sqlalchemy import Index, Table
    from sqlalchemy.engine import Connection, Engine

LOCK_NOT_AVAILABLE = "55P03"
KEPT = "kept"  # a note starting so means: applied as far as the data allows


@dataclass(frozen=True)
class MigrationPolicy:
    """Timeouts and retries for work on a live database."""

    lock_timeout_ms: int = 2000
    statement_timeout_ms: int = 600_000
    attempts: int = 3
    backoff_s: float = 0.5


class Step:
    """One migration step. Subclasses say how to detect, describe and apply it."""

    step_id: str
    description: str

    def is_applied(self, conn: Connection) -> bool:
        """True when the target already holds what this step adds."""
        raise NotImplementedError

    def statements(self, conn: Connection) -> list[str]:
        """The SQL this step would run against this target now."""
        raise NotImplementedError

    def apply(self, engine: Engine, policy: MigrationPolicy) -> str:
        """Run the step; returns a note for the report (empty when there is nothing to say)."""
        with engine.begin() as conn:
            set_local_timeouts(conn, policy)
            for statement in self.statements(conn):
                conn.exec_driver_sql(statement)
        return ""


class CreateTables(Step):
    """Create the named tables that are missing, with their indexes and enum types."""

    def __init__(self, step_id: str, description: str, tables: Sequence[str]) -> None:
        self.step_id = step_id
        self.description = description
        self.tables = tuple(tables)

    def _missing(self, conn: Connection) -> list[Table]:
        from pytest_autopack.schema.models import Base

        present = introspect.table_names(conn)
        return [Base.metadata.tables[name] for name in self.tables if name not in present]

    def is_applied(self, conn: Connection) -> bool:
        return not self._missing(conn)

    def statements(self, conn: Connection) -> list[str]:
        from sqlalchemy.schema import CreateIndex, CreateTable

        missing = self._missing(conn)
        sql = []
        if conn.dialect.name == "postgresql":
            sql.extend(enum_type_statements(missing, existing=_enum_types(conn)))
        for table in missing:
            sql.append(str(CreateTable(table).compile(dialect=conn.dialect)).strip())
            sql.extend(
                str(CreateIndex(index).compile(dialect=conn.dialect))
                for index in sorted(table.indexes, key=lambda i: i.name or "")
            )
        return sql


class EnsureIndex(Step):
    """Ensure an index covering the given leading columns exists (and is valid)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.table = index.table.name
        self.columns = tuple(c.name for c in index.columns)
        self.step_id = f"index:{index.name}"
        self.description = f"index on {self.table}({', '.join(self.columns)})"

    def is_applied(self, conn: Connection) -> bool:
        if self.table not in introspect.table_names(conn):
            return False
        return introspect.find_covering_index(conn, self.table, self.columns) is not None

    def _invalid_own_index(self, conn: Connection) -> bool:
        return any(i.name == self.index.name and not i.valid for i in introspect.list_indexes(conn, self.table))

    def statements(self, conn: Connection) -> list[str]:
        cols = ", ".join(quote(conn, c) for c in self.columns)
        name, table = quote(conn, self.index.name), quote(conn, self.table)
        if conn.dialect.name == "postgresql":
            if self._invalid_own_index(conn):
                build = f"REINDEX INDEX CONCURRENTLY {name}"
            else:
                build = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({cols})"
            return [build, f"ANALYZE {table}"]
        return [f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols})", f"ANALYZE {table}"]

    def apply(self, engine: Engine, policy: MigrationPolicy) -> str:
        if engine.dialect.name != "postgresql":
            return super().apply(engine, policy)
        return self._build_concurrently(engine, policy)

    def _build_concurrently(self, engine: Engine, policy: MigrationPolicy) -> str:
        from sqlalchemy.exc import DBAPIError

        with engine.connect() as probe:
            statements = self.statements(probe)
            rebuilt = self._invalid_own_index(probe)
            probe.rollback()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"SET lock_timeout = {int(policy.lock_timeout_ms)}")
            conn.exec_driver_sql(f"SET statement_timeout = {int(policy.statement_timeout_ms)}")
            try:
                for statement in statements:
                    conn.exec_driver_sql(statement)
            except DBAPIError:
                if not rebuilt and self._invalid_own_index(conn):
                    # Our own attempt left an INVALID index behind: remove it, so that a
                    # failed step leaves nothing half-built.
                    conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(conn, self.index.name)}")
                raise
            finally:
                conn.exec_driver_sql("RESET lock_timeout")
                conn.exec_driver_sql("RESET statement_timeout")
        return "rebuilt an INVALID index left by an interrupted build" if rebuilt else ""


def set_local_timeouts(conn: Connection, policy: MigrationPolicy) -> None:
    """Bound how long this transaction waits for locks and runs (SQLite: its busy timeout)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(policy.lock_timeout_ms)}")
    else:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(policy.lock_timeout_ms)}")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(policy.statement_timeout_ms)}")


def enum_type_statements(tables: Sequence[Table], existing: set[str]) -> list[str]:
    """``CREATE TYPE … AS ENUM`` for the PostgreSQL enum types the tables use and the database lacks."""
    from sqlalchemy import Enum

    wanted: dict[str, Any] = {}
    for table in tables:
        for column in table.columns:
            if isinstance(column.type, Enum) and column.type.name not in existing:
                wanted[column.type.name] = column.type.enums
    return [f"CREATE TYPE {name} AS ENUM ({', '.join(repr(v) for v in values)})" for name, values in wanted.items()]


def _enum_types(conn: Connection) -> set[str]:
    from sqlalchemy import text

    return {r[0] for r in conn.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'"))}


def quote(conn: Connection, name: str | None) -> str:
    """``name`` quoted as an identifier for this connection's dialect."""
    return conn.dialect.identifier_preparer.quote(name or "")


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of a driver error, None elsewhere."""
    return getattr(getattr(exc, "orig", None), "pgcode", None)
