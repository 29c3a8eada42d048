"""The A/B validity guard: the database itself refuses a "valid" row whose SHAs or model hashes differ.

PostgreSQL: a CHECK constraint added NOT VALID (existing bad rows do not block the
migration; the gate reports them), then validated when the data allows. SQLite
cannot add a CHECK to an existing table, so BEFORE INSERT/UPDATE triggers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autopack.schema import introspect
from pytest_autopack.schema.steps import KEPT, MigrationPolicy, Step, set_local_timeouts, sqlstate

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

AB_GUARD_NAME = "ck_ab_test_results_valid_requires_match"
AB_GUARD_TRIGGERS = ("trg_ab_test_results_valid_insert", "trg_ab_test_results_valid_update")
AB_GUARD_CONDITION = (
    "control_commit_sha = treatment_commit_sha AND control_model_hash = treatment_model_hash "
    "AND control_commit_sha NOT IN ('', 'unknown') AND control_model_hash NOT IN ('', 'unknown')"
)
AB_GUARD_MESSAGE = "ab_test_results: is_valid requires equal, known commit SHAs and model hashes"
_CHECK_VIOLATION = "23514"


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
            set_local_timeouts(conn, policy)
            *add, validate = self.statements(conn)
            for statement in add:
                conn.exec_driver_sql(statement)
        try:
            with engine.begin() as conn:
                set_local_timeouts(conn, policy)
                conn.exec_driver_sql(validate)
        except DBAPIError as exc:
            if sqlstate(exc) != _CHECK_VIOLATION:
                raise
            with engine.connect() as conn:
                bad = _ab_guard_violations(conn)
            return f"{KEPT} NOT VALID: {bad} existing row(s) marked valid with mismatched SHAs/hashes"
        return ""


def _new_prefixed(condition: str) -> str:
    for column in ("control_commit_sha", "treatment_commit_sha", "control_model_hash", "treatment_model_hash"):
        condition = condition.replace(column, f"NEW.{column}")
    return condition


def _ab_guard_violations(conn: Connection) -> int:
    from sqlalchemy import text

    query = f"SELECT COUNT(*) FROM ab_test_results WHERE is_valid IS TRUE AND NOT ({AB_GUARD_CONDITION})"  # noqa: S608
    return int(conn.execute(text(query)).scalar_one())
