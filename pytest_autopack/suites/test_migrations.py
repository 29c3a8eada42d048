"""Migration and schema checks of the rollout gate.

Each check is a plain test function taking fixtures, so a project can import
and run it in its own suite. Checks on the target only read (and, in dev and
staging, write inside a transaction that is rolled back); checks that migrate
work on scratch databases next to the fixtures, never on the target.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

ALL = ("dev", "staging", "production")
NOT_PRODUCTION = ("dev", "staging")


def _engine(url):
    from pytest_autopack.schema.engine import create_engine_for

    return create_engine_for(url)


@pytest.mark.autopack_gate(
    check_id="migrations.applied",
    stages=ALL,
    stop_condition="every migration step is applied on the target",
)
def test_all_migrations_applied(autopack_engine):
    """Every migration step is applied on the target."""
    from pytest_autopack.schema.migrations import pending_steps

    pending = pending_steps(autopack_engine)
    assert not pending, f"{len(pending)} migration step(s) pending: {', '.join(pending)} (run: autopack migrate)"


@pytest.mark.autopack_gate(
    check_id="migrations.indexes_valid",
    stages=ALL,
    stop_condition="each dashboard index exists (any name) and is VALID and READY",
)
def test_performance_indexes_valid(autopack_engine):
    """The dashboard indexes exist on the right columns and are valid (no INVALID leftovers)."""
    from pytest_autopack.schema import introspect
    from pytest_autopack.schema.models import PERFORMANCE_INDEXES

    problems = []
    with autopack_engine.connect() as conn:
        tables = introspect.table_names(conn)
        for index in PERFORMANCE_INDEXES:
            columns = tuple(c.name for c in index.columns)
            table = index.table.name
            if table not in tables:
                problems.append(f"table {table} missing")
                continue
            candidates = [i for i in introspect.list_indexes(conn, table) if i.covers(columns)]
            if not candidates:
                problems.append(f"no index on {table}({', '.join(columns)})")
            elif not any(i.valid and i.ready for i in candidates):
                problems.append(f"index {candidates[0].name} on {table} is INVALID (interrupted concurrent build)")
    assert not problems, "; ".join(problems)


@pytest.mark.autopack_gate(
    check_id="schema.matches_models",
    stages=ALL,
    stop_condition="no required table or column missing, no incompatible type (alembic compare_metadata)",
)
def test_schema_matches_models(autopack_engine):
    """The target's tables and columns are compatible with the models (newer lineages tolerated)."""
    from pytest_autopack.schema.compare import schema_differences

    with autopack_engine.connect() as conn:
        problems = schema_differences(conn)
    assert not problems, f"{len(problems)} schema difference(s): " + "; ".join(problems[:5])


@pytest.mark.autopack_gate(
    check_id="migrations.query_plans",
    stages=ALL,
    stop_condition="each dashboard query can use its index in the target's real query plan",
)
def test_dashboard_queries_use_indexes(autopack_engine):
    """The dashboard queries can use their intended indexes (EXPLAIN on the target).

    On PostgreSQL the plan is read with ``enable_seqscan = off`` inside the check's
    own transaction, so a small table's legitimate sequential scan is not misread.
    """
    from sqlalchemy import text

    from pytest_autopack.schema import introspect
    from pytest_autopack.schema.dashboard_queries import DASHBOARD_QUERIES

    problems = []
    with autopack_engine.connect() as conn:
        run_id = conn.execute(text("SELECT id FROM runs ORDER BY id LIMIT 1")).scalar() or "no-run"
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for query in DASHBOARD_QUERIES:
            wanted = {i.name for i in introspect.list_indexes(conn, query.table) if i.covers(query.index_columns)}
            plan = introspect.explain(conn, query.sql, {"run_id": run_id, "state": "FAILED"})
            if not wanted & plan.indexes:
                problems.append(
                    f"{query.name}: plan uses {sorted(plan.indexes) or 'no index'}, wanted one of {sorted(wanted)}"
                )
        conn.rollback()
    assert not problems, "; ".join(problems)


@pytest.mark.autopack_gate(
    check_id="migrations.ab_guard",
    stages=ALL,
    stop_condition="the database refuses an A/B row marked valid with mismatched SHAs or model hashes",
)
def test_ab_guard_present_and_bites(autopack_engine, autopack_settings):
    """The A/B validity guard exists; outside production it is proven to refuse a bad row."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from pytest_autopack.schema import introspect
    from pytest_autopack.schema.migrations import AB_GUARD_NAME, AB_GUARD_TRIGGERS

    with autopack_engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            exists, validated = introspect.check_constraint_state(conn, "ab_test_results", AB_GUARD_NAME)
            assert exists, f"CHECK constraint {AB_GUARD_NAME} missing on ab_test_results"
            assert validated, f"CHECK constraint {AB_GUARD_NAME} is NOT VALID: existing rows violate it"
        else:
            missing = set(AB_GUARD_TRIGGERS) - set(introspect.sqlite_triggers(conn, "ab_test_results"))
            assert not missing, f"guard trigger(s) missing: {', '.join(sorted(missing))}"
        conn.rollback()
    if autopack_settings.stage == "production":
        return
    with autopack_engine.connect() as conn:
        outer = conn.begin()
        try:
            _insert_probe_runs(conn)
            with pytest.raises(DBAPIError), conn.begin_nested():
                conn.execute(
                    text(
                        "INSERT INTO ab_test_results (test_id, control_run_id, treatment_run_id, control_commit_sha, "
                        "treatment_commit_sha, control_model_hash, treatment_model_hash, is_valid) VALUES "
                        "('gate-probe', 'gate-probe-a', 'gate-probe-b', 'aaa', 'bbb', 'h', 'h', :valid)"
                    ),
                    {"valid": True},
                )
        finally:
            outer.rollback()


def _insert_probe_runs(conn) -> None:
    from datetime import datetime, timezone

    from sqlalchemy import insert

    from pytest_autopack.schema.models import Run

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    base = {
        "state": "DONE_SUCCESS", "created_at": now, "updated_at": now, "safety_profile": "normal",
        "run_scope": "multi_tier", "token_cap": 1, "max_phases": 1, "max_duration_minutes": 1, "tokens_used": 0,
        "ci_runs_used": 0, "minor_issues_count": 0, "major_issues_count": 0, "promotion_eligible_to_main": "false",
    }  # fmt: skip
    conn.execute(insert(Run), [{"id": "gate-probe-a", **base}, {"id": "gate-probe-b", **base}])


@pytest.mark.autopack_gate(
    check_id="migrations.idempotent",
    stages=NOT_PRODUCTION,
    stop_condition="upgrading an empty database gives the full schema; a second upgrade changes nothing",
)
def test_upgrade_empty_then_again_is_noop(autopack_scratch_db):
    """Upgrade of an empty database creates everything; the second upgrade is a no-op."""
    from pytest_autopack.schema import introspect
    from pytest_autopack.schema.compare import schema_differences
    from pytest_autopack.schema.migrations import pending_steps, upgrade

    engine = _engine(autopack_scratch_db())
    try:
        first = upgrade(engine)
        assert {r.status for r in first} == {"done", "applied"}
        assert pending_steps(engine) == []
        with engine.connect() as conn:
            assert schema_differences(conn) == []
            before = introspect.schema_snapshot(conn)
        second = upgrade(engine)
        with engine.connect() as conn:
            after = introspect.schema_snapshot(conn)
        assert [r.status for r in second] == ["applied"] * len(second)
        assert after == before, "second upgrade changed the schema"
    finally:
        engine.dispose()


def _lineages(dialect: str):
    from pytest_autopack.schema.lineages import builtin_lineage, lineages_in

    found = [builtin_lineage(dialect)]
    extra = os.environ.get("AUTOPACK_LINEAGE_DIR")
    if extra:
        found.extend(lineages_in(Path(extra), dialect))
    return found


@pytest.mark.autopack_gate(
    check_id="migrations.lineages_keep_rows",
    stages=NOT_PRODUCTION,
    stop_condition="upgrading a populated Autopack database of every known lineage keeps every row",
)
def test_upgrade_populated_lineages_keeps_rows(autopack_scratch_db, autopack_engine, autopack_dialect):
    """Each Autopack lineage, filled with real rows, upgrades with every row intact (counts and checksums).

    Lineages: the built-in P12 ORM schema, plus ``*.sql`` files in ``$AUTOPACK_LINEAGE_DIR``.
    """
    from sqlalchemy import text

    from pytest_autopack.schema.compare import schema_differences
    from pytest_autopack.schema.lineages import copy_runs, fingerprints, load_lineage
    from pytest_autopack.schema.migrations import pending_steps, upgrade
    from pytest_autopack.schema.models import AUTOPACK_TABLES

    with autopack_engine.connect() as source:
        run_ids = list(source.execute(text("SELECT id FROM runs ORDER BY id LIMIT 25")).scalars())
    checked = []
    for lineage in _lineages(autopack_dialect):
        engine = _engine(autopack_scratch_db())
        try:
            load_lineage(engine, lineage)
            with autopack_engine.connect() as source, engine.begin() as target:
                copied = copy_runs(source, target, run_ids)
            with engine.connect() as conn:
                before = fingerprints(conn, AUTOPACK_TABLES)
            upgrade(engine)
            with engine.connect() as conn:
                after = fingerprints(conn, AUTOPACK_TABLES)
                differences = schema_differences(conn)
            assert after == before, f"{lineage.name}: rows changed by the upgrade"
            assert pending_steps(engine) == [], f"{lineage.name}: steps still pending after upgrade"
            assert differences == [], f"{lineage.name}: {differences}"
            checked.append(f"{lineage.name}: {sum(copied.values())} rows kept")
        finally:
            engine.dispose()
    assert checked


@pytest.mark.autopack_gate(
    check_id="migrations.failed_step_rolls_back",
    stages=NOT_PRODUCTION,
    stop_condition="a failing migration step leaves the database exactly as it was",
)
def test_failing_step_leaves_database_unchanged(autopack_scratch_db):
    """A step that fails halfway (a view squats on a table name it creates) is rolled back whole."""
    from sqlalchemy import text

    from pytest_autopack.errors import MigrationError
    from pytest_autopack.schema import introspect
    from pytest_autopack.schema.lineages import builtin_lineage, load_lineage
    from pytest_autopack.schema.migrations import upgrade

    engine = _engine(autopack_scratch_db())
    try:
        load_lineage(engine, builtin_lineage(engine.dialect.name))
        with engine.begin() as conn:
            conn.execute(text("CREATE VIEW run_experiment_metadata AS SELECT id AS run_id FROM runs"))
        with engine.connect() as conn:
            before = introspect.schema_snapshot(conn)
        with pytest.raises(MigrationError, match="tables:project"):
            upgrade(engine)
        with engine.connect() as conn:
            after = introspect.schema_snapshot(conn)
        assert after == before
        assert "phase_metrics" not in after, "the failed step left phase_metrics behind"
    finally:
        engine.dispose()


@pytest.mark.autopack_gate(
    check_id="migrations.lock_fails_fast",
    stages=NOT_PRODUCTION,
    stop_condition="a migration meeting a held lock fails fast, leaves nothing half-built, succeeds after release",
)
def test_held_lock_fails_fast_then_succeeds(autopack_scratch_db):
    """Another session holding a conflicting lock: a clear failure, nothing half-built, success once released."""
    from pytest_autopack.errors import MigrationError
    from pytest_autopack.schema import introspect
    from pytest_autopack.schema.lineages import builtin_lineage, load_lineage
    from pytest_autopack.schema.migrations import MigrationPolicy, upgrade

    url = autopack_scratch_db()
    engine = _engine(url)
    holder = _engine(url)  # a second, independent session
    policy = MigrationPolicy(lock_timeout_ms=200, attempts=2, backoff_s=0.05)
    try:
        load_lineage(engine, builtin_lineage(engine.dialect.name))
        with holder.connect() as blocker:
            locked = blocker.begin()
            if engine.dialect.name == "postgresql":
                blocker.exec_driver_sql("LOCK TABLE phases IN ACCESS EXCLUSIVE MODE")
            else:
                # Any write takes SQLite's database-wide RESERVED lock until rollback.
                blocker.exec_driver_sql("CREATE TABLE gate_lock_probe (x INTEGER)")
            with pytest.raises(MigrationError, match="lock") as failure:
                _run_with_deadline(lambda: upgrade(engine, policy), seconds=60)
            assert "\n" not in str(failure.value)
            with engine.connect() as conn:
                leftovers = [i.name for i in introspect.list_indexes(conn, "phases") if not i.valid]
                assert not leftovers, f"half-built index(es) left behind: {leftovers}"
                conn.rollback()
            locked.rollback()
        upgrade(engine, policy)
        with engine.connect() as conn:
            assert introspect.find_covering_index(conn, "phases", ("run_id", "state")) is not None
    finally:
        holder.dispose()
        engine.dispose()


def _run_with_deadline(action, seconds: float):
    """Run ``action`` in a thread so a hang shows as a failure instead of a stuck gate."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"migration did not give up within {seconds} s while a lock was held")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
