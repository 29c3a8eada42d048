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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_autopack.errors import MigrationError
from pytest_autopack.schema.ab_guard import AB_GUARD_NAME, AB_GUARD_TRIGGERS, ABValidityGuard
from pytest_autopack.schema.steps import (
    KEPT,
    LOCK_NOT_AVAILABLE,
    CreateTables,
    EnsureIndex,
    MigrationPolicy,
    Step,
    enum_type_statements,
    sqlstate,
)
from pytest_autopack.urls import error_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = [
    "AB_GUARD_NAME",
    "AB_GUARD_TRIGGERS",
    "MigrationPolicy",
    "StepResult",
    "enum_type_statements",
    "pending_steps",
    "plan",
    "steps",
    "upgrade",
]


@dataclass
class StepResult:
    """What happened to one step: ``applied`` (already there), ``done``, ``pending`` (dry run), ``kept``."""

    step_id: str
    description: str
    status: str
    sql: list[str] = field(default_factory=list)
    note: str = ""
    elapsed_ms: float = 0.0


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
            status = "kept" if note.startswith(KEPT) else "done"
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
    return sqlstate(exc) == LOCK_NOT_AVAILABLE or "database is locked" in str(exc)
