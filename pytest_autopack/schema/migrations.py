"""Ordered, idempotent, additive migration steps.

Whether a step is applied is decided by looking at the target (tables, columns,
indexes on the right columns, guards), never by a version table: a real Autopack
database of any lineage gets only what it lacks, and a second run changes nothing.
Nothing is ever dropped, renamed or rewritten.

On PostgreSQL, indexes are built ``CONCURRENTLY`` outside a transaction under a
short ``lock_timeout``; a build that cannot get its lock is retried with backoff
and, if it never does, fails with one clear line after removing whatever half-built
(INVALID) index its own attempt left. An INVALID index left by an earlier
interrupted build is rebuilt with ``REINDEX … CONCURRENTLY``. Every other step runs
in one transaction, so a failing step leaves the database exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_autopack.errors import MigrationError
from pytest_autopack.schema import introspect
from pytest_autopack.urls import error_line

if TYPE_CHECKING:
    from sqlalchemy import Index, Table
    from sqlalchemy.engine import Connection, Engine

AB_GUARD_NAME = "ck_ab_test_results_valid_requires_match"
AB_GUARD_TRIGGERS = ("trg_ab_test_results_valid_insert", "trg_ab_test_results_valid_update")
AB_GUARD_CONDITION = (
    "control_commit_sha = treatment_commit_sha AND control_model_hash = treatment_model_hash "
    "AND control_commit_sha NOT IN ('', 'unknown') AND control_model_hash NOT IN ('', 'unknown')"
)
AB_GUARD_MESSAGE = "ab_test_results: is_valid requires equal, known commit SHAs and model hashes"
_LOCK_NOT_AVAILABLE = "55P03"
_CHECK_VIOLATION = "23514"
_KEPT = "kept"  # a note starting so means: applied as far as the data allows


@dataclass(frozen=True)
class MigrationPolicy:
    """Timeouts and retries for work on a live database."""

    lock_timeout_ms: int = 2000
    statement_timeout_ms: int = 600_000
    attempts: int = 3
    backoff_s: float = 0.5


@dataclass
class StepResult:
    """What happened to one step: ``applied`` (already there), ``done``, ``pending`` (dry run), ``kept``."""

    step_id: str
    description: str
    status: str
    sql: list[str] = field(default_factory=list)
    note: str = ""
    elapsed_ms: float = 0.0


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
            _set_local_timeouts(conn, policy)
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
        cols = ", ".join(_quote(conn, c) for c in self.columns)
        name, table = _quote(conn, self.index.name), _quote(conn, self.table)
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
                    conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {_quote(conn, self.index.name)}")
                raise
            finally:
                conn.exec_driver_sql("RESET lock_timeout")
                conn.exec_driver_sql("RESET statement_timeout")
        return "rebuilt an INVALID index left by an interrupted build" if rebuilt else ""


class ABValidityGuard(Step):
    """Refuse ``is_valid`` rows whose SHAs or model hashes differ, at the database level.

    PostgreSQL: a CHECK constraint added NOT VALID (existing bad rows do not block the
    migration; the gate reports them), then validated when the data allows.
    SQLite cannot add a CHECK to an existing table, so BEFORE INSERT/UPDATE triggers.
    """

    step_id = "guard:ab_test_results_validity"
    description = "A/B validity guard on ab_test_results"

    def is_applied(self, conn: Connection) -> bool:
        if "ab_test_results" not in introspect.table_names(conn):
            return False
        if conn.dialect.name == "postgresql":
            exists, validated = introspect.check_constraint_state(conn, "ab_test_results", AB_GUARD_NAME)
            return exists and (validated or _ab_guard_violations(conn) > 0)
        return set(AB_GUARD_TRIGGERS) <= set(introspect.sqlite_triggers(conn, "ab_test_results"))

    def statements(self, conn: Connection) -> list[str]:
        if conn.dialect.name == "postgresql":
            exists, _ = introspect.check_constraint_state(conn, "ab_test_results", AB_GUARD_NAME)
            add = (
                f"ALTER TABLE ab_test_results ADD CONSTRAINT {AB_GUARD_NAME} "
                f"CHECK (NOT is_valid OR ({AB_GUARD_CONDITION})) NOT VALID"
            )
            return ([] if exists else [add]) + [f"ALTER TABLE ab_test_results VALIDATE CONSTRAINT {AB_GUARD_NAME}"]
        present = introspect.sqlite_triggers(conn, "ab_test_results")
        return [
            f"CREATE TRIGGER {name} BEFORE {event} ON ab_test_results "
            f"WHEN NEW.is_valid AND NOT ({_new_prefixed(AB_GUARD_CONDITION)}) "
            f"BEGIN SELECT RAISE(ABORT, '{AB_GUARD_MESSAGE}'); END"
            for name, event in zip(AB_GUARD_TRIGGERS, ("INSERT", "UPDATE"), strict=True)
            if name not in present
        ]

    def apply(self, engine: Engine, policy: MigrationPolicy) -> str:
        if engine.dialect.name != "postgresql":
            return super().apply(engine, policy)
        return self._add_then_validate(engine, policy)

    def _add_then_validate(self, engine: Engine, policy: MigrationPolicy) -> str:
        from sqlalchemy.exc import DBAPIError

        with engine.begin() as conn:
            _set_local_timeouts(conn, policy)
            *add, validate = self.statements(conn)
            for statement in add:
                conn.exec_driver_sql(statement)
        try:
            with engine.begin() as conn:
                _set_local_timeouts(conn, policy)
                conn.exec_driver_sql(validate)
        except DBAPIError as exc:
            if _sqlstate(exc) != _CHECK_VIOLATION:
                raise
            with engine.connect() as conn:
                bad = _ab_guard_violations(conn)
            return f"{_KEPT} NOT VALID: {bad} existing row(s) marked valid with mismatched SHAs/hashes"
        return ""


def _new_prefixed(condition: str) -> str:
    for column in ("control_commit_sha", "treatment_commit_sha", "control_model_hash", "treatment_model_hash"):
        condition = condition.replace(column, f"NEW.{column}")
    return condition


def _ab_guard_violations(conn: Connection) -> int:
    from sqlalchemy import text

    query = f"SELECT COUNT(*) FROM ab_test_results WHERE is_valid IS TRUE AND NOT ({AB_GUARD_CONDITION})"  # noqa: S608
    return int(conn.execute(text(query)).scalar_one())


def steps() -> list[Step]:
    """The ordered migration steps."""
    from pytest_autopack.schema.models import AUTOPACK_TABLES, PERFORMANCE_INDEXES, PROJECT_TABLES

    return [
        CreateTables("tables:autopack", "Autopack tables (runs, tiers, phases, telemetry, A/B)", AUTOPACK_TABLES),
        CreateTables("tables:project", "pytest-autopack tables (phase_metrics, dashboard_events, ...)", PROJECT_TABLES),
        *(EnsureIndex(index) for index in PERFORMANCE_INDEXES),
        ABValidityGuard(),
    ]


def plan(engine: Engine) -> list[StepResult]:
    """Per step: ``applied`` or ``pending``, with the SQL a pending step would run now."""
    results = []
    with engine.connect() as conn:
        for step in steps():
            applied = step.is_applied(conn)
            sql = [] if applied else step.statements(conn)
            results.append(StepResult(step.step_id, step.description, "applied" if applied else "pending", sql))
        conn.rollback()
    return results


def upgrade(
    engine: Engine,
    policy: MigrationPolicy | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    """Apply every pending step in order; stop at the first failure with a :class:`MigrationError`."""
    policy = policy or MigrationPolicy()
    results = []
    for step in steps():
        started = time.perf_counter()
        with engine.connect() as conn:
            applied = step.is_applied(conn)
            sql = [] if applied else step.statements(conn)
            conn.rollback()
        if applied:
            result = StepResult(step.step_id, step.description, "applied")
        else:
            try:
                note = _with_lock_retries(step, policy, lambda step=step: step.apply(engine, policy))
            except MigrationError:
                raise
            except Exception as exc:  # a database error: one line, the step's state restored
                raise MigrationError(f"step {step.step_id} failed and was rolled back: {error_line(exc)}") from exc
            status = "kept" if note.startswith(_KEPT) else "done"
            result = StepResult(step.step_id, step.description, status, sql, note)
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        results.append(result)
        if on_step is not None:
            on_step(result)
    return results


def pending_steps(engine: Engine) -> list[str]:
    """Ids of the steps not yet applied (empty when the schema is complete)."""
    return [r.step_id for r in plan(engine) if r.status == "pending"]


def _with_lock_retries(step: Step, policy: MigrationPolicy, action: Callable[[], str]) -> str:
    from sqlalchemy.exc import DBAPIError

    for attempt in range(1, policy.attempts + 1):
        try:
            return action()
        except DBAPIError as exc:
            if not _is_lock_error(exc):
                raise
            if attempt == policy.attempts:
                raise MigrationError(
                    f"step {step.step_id}: lock on a table not granted within {policy.lock_timeout_ms} ms, "
                    f"{policy.attempts} attempts (another session holds a conflicting lock); nothing was changed"
                ) from exc
            time.sleep(policy.backoff_s * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _is_lock_error(exc: BaseException) -> bool:
    return _sqlstate(exc) == _LOCK_NOT_AVAILABLE or "database is locked" in str(exc)


def _set_local_timeouts(conn: Connection, policy: MigrationPolicy) -> None:
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


def _quote(conn: Connection, name: str | None) -> str:
    return conn.dialect.identifier_preparer.quote(name or "")


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(getattr(exc, "orig", None), "pgcode", None)
