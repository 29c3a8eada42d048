"""Migration behaviour that only a real server shows: INVALID indexes, NOT VALID guards, time zones."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pytest_autopack.schema import introspect
from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.schema.lineages import builtin_lineage, load_lineage
from pytest_autopack.schema.migrations import AB_GUARD_NAME, pending_steps, upgrade


@pytest.fixture
def scratch_engine(autopack_scratch_db):
    engine = create_engine_for(autopack_scratch_db())
    yield engine
    engine.dispose()


@pytest.mark.autopack_postgres
def test_invalid_index_left_by_interrupted_build_is_rebuilt(scratch_engine):
    upgrade(scratch_engine)
    with scratch_engine.begin() as conn:
        # What an interrupted CREATE INDEX CONCURRENTLY leaves: the index exists but is INVALID.
        conn.execute(text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_phases_run_state'::regclass"))
    assert pending_steps(scratch_engine) == ["index:ix_phases_run_state"]
    results = {r.step_id: r for r in upgrade(scratch_engine)}
    assert results["index:ix_phases_run_state"].status == "done"
    assert "REINDEX INDEX CONCURRENTLY" in results["index:ix_phases_run_state"].sql[0]
    assert "rebuilt an INVALID index" in results["index:ix_phases_run_state"].note
    with scratch_engine.connect() as conn:
        index = next(i for i in introspect.list_indexes(conn, "phases") if i.name == "ix_phases_run_state")
    assert index.valid and index.ready


@pytest.mark.autopack_postgres
def test_guard_is_kept_not_valid_when_existing_rows_violate_it(scratch_engine):
    load_lineage(scratch_engine, builtin_lineage("postgresql"))
    with scratch_engine.begin() as conn:
        _insert_runs(conn, "c", "t")
        conn.execute(
            text(
                "INSERT INTO ab_test_results (test_id, control_run_id, treatment_run_id, control_commit_sha, "
                "treatment_commit_sha, control_model_hash, treatment_model_hash, is_valid) "
                "VALUES ('legacy', 'c', 't', 'aaa', 'bbb', 'h', 'h', true)"
            )
        )
    results = {r.step_id: r for r in upgrade(scratch_engine)}
    guard = results["guard:ab_test_results_validity"]
    assert guard.status == "kept" and "1 existing row(s)" in guard.note
    with scratch_engine.connect() as conn:
        assert introspect.check_constraint_state(conn, "ab_test_results", AB_GUARD_NAME) == (True, False)
        rows = conn.execute(text("SELECT COUNT(*) FROM ab_test_results")).scalar_one()
    assert rows == 1  # the migration rewrote nothing
    assert [r.status for r in upgrade(scratch_engine)].count("done") == 0  # a second run changes nothing


@pytest.mark.autopack_postgres
def test_sessions_run_in_utc(autopack_engine):
    with autopack_engine.connect() as conn:
        assert conn.execute(text("SHOW TimeZone")).scalar_one() == "UTC"


def _insert_runs(conn, *run_ids: str) -> None:
    for run_id in run_ids:
        conn.execute(
            text(
                "INSERT INTO runs (id, state, created_at, updated_at, safety_profile, run_scope, token_cap, "
                "max_phases, max_duration_minutes, tokens_used, ci_runs_used, minor_issues_count, "
                "major_issues_count, promotion_eligible_to_main) VALUES (:id, 'DONE_SUCCESS', :now, :now, "
                "'normal', 'multi_tier', 1, 1, 1, 0, 0, 0, 0, 'false')"
            ),
            {"id": run_id, "now": "2026-11-01 00:00:00"},
        )


def test_guard_refuses_inconsistent_rows_on_both_dialects(scratch_engine):
    upgrade(scratch_engine)
    with scratch_engine.begin() as conn:
        _insert_runs(conn, "c", "t")
    insert = text(
        "INSERT INTO ab_test_results (test_id, control_run_id, treatment_run_id, control_commit_sha, "
        "treatment_commit_sha, control_model_hash, treatment_model_hash, is_valid) "
        "VALUES ('t', 'c', 't', :c_sha, :t_sha, :c_hash, :t_hash, :valid)"
    )
    from sqlalchemy.exc import DBAPIError

    bad = [("a", "b", "h", "h"), ("a", "a", "h", "k"), ("unknown", "unknown", "h", "h"), ("", "", "h", "h")]
    for c_sha, t_sha, c_hash, t_hash in bad:
        with pytest.raises(DBAPIError), scratch_engine.begin() as conn:
            conn.execute(insert, {"c_sha": c_sha, "t_sha": t_sha, "c_hash": c_hash, "t_hash": t_hash, "valid": True})
    with scratch_engine.begin() as conn:  # invalid rows stored as invalid are fine; so are consistent valid ones
        conn.execute(insert, {"c_sha": "a", "t_sha": "b", "c_hash": "h", "t_hash": "h", "valid": False})
        conn.execute(insert, {"c_sha": "a", "t_sha": "a", "c_hash": "h", "t_hash": "h", "valid": True})
