"""The realistic dataset on real SQLite and real PostgreSQL: coverage, invariants, determinism."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Engine

from pytest_autopack.backends.pg_admin import create_database, drop_database
from pytest_autopack.errors import UsageError
from pytest_autopack.fixtures import failure_catalog
from pytest_autopack.fixtures.dataset import Dataset, DatasetExistsError, build_dataset
from pytest_autopack.fixtures.dataset_reports import REPORT_KEYS
from pytest_autopack.fixtures.dataset_rows import TABLES
from pytest_autopack.patterns.builtin import BUILTIN_DETECTORS
from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.schema.enums import FAILED_RUN_STATES, PhaseState, RunState, TierState
from pytest_autopack.schema.migrations import upgrade
from pytest_autopack.urls import DatabaseURL, parse_database_url

BUILTIN_PATTERNS = {detector.pattern_id for detector in BUILTIN_DETECTORS}


class Databases:
    """Makes migrated scratch databases of one dialect and removes them afterwards."""

    def __init__(self, dialect: str, tmp: Path, admin: DatabaseURL | None) -> None:
        self.dialect, self.tmp = dialect, tmp
        self.admin = admin
        self.created: list[tuple[Engine, str | None]] = []

    def new(self, *, migrate: bool = True) -> Engine:
        name = f"autopack_ds_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            url = parse_database_url(f"sqlite:///{(self.tmp / f'{name}.db').as_posix()}")
        else:
            url = create_database(self.admin, name)
        engine = create_engine_for(url)
        self.created.append((engine, name if self.admin else None))
        if migrate:
            upgrade(engine)
        return engine

    def close(self) -> None:
        for engine, name in self.created:
            engine.dispose()
            if name is not None:
                drop_database(self.admin, name)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    admin = request.getfixturevalue("pg_admin") if request.param == "postgresql" else None
    dbs = Databases(request.param, tmp_path_factory.mktemp(request.param), admin)
    yield dbs
    dbs.close()


@pytest.fixture(scope="module")
def built(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Dataset]:
    engine = databases.new()
    errors_dir = tmp_path_factory.mktemp("errors")
    return engine, build_dataset(engine, errors_dir=errors_dir)


def _bind(params: dict[str, object]) -> dict[str, object]:
    # Timestamps as text in SQLAlchemy's SQLite storage format: no reliance on the sqlite3 default adapter.
    return {k: f"{v:%Y-%m-%d %H:%M:%S.%f}" if isinstance(v, datetime) else v for k, v in params.items()}


def _scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), _bind(params)).scalar()


def _when(value: object) -> datetime:
    """A timestamp from a text query: SQLite hands back its stored text, PostgreSQL a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


# Data-quality rules of SPEC §4, as portable SQL (no "= 1" on booleans): each must find nothing.
QUALITY_VIOLATIONS = {
    "duplicate telemetry": """
        SELECT run_id, phase_id, phase_outcome FROM token_efficiency_metrics
        GROUP BY run_id, phase_id, phase_outcome HAVING COUNT(*) > 1""",
    "negative tokens": """
        SELECT id FROM llm_usage_events WHERE total_tokens < 0 OR prompt_tokens < 0 OR completion_tokens < 0
        UNION ALL SELECT id FROM phase_metrics WHERE retrieval_tokens < 0 OR second_opinion_tokens < 0
            OR evidence_request_tokens < 0 OR base_tokens < 0
        UNION ALL SELECT id FROM phases WHERE tokens_used < 0
        UNION ALL SELECT id FROM tiers WHERE tokens_used < 0""",
    "spend by kind exceeds recorded usage": """
        SELECT pm.run_id FROM (
            SELECT run_id,
                SUM(retrieval_tokens + second_opinion_tokens + evidence_request_tokens + base_tokens) AS spend
            FROM phase_metrics GROUP BY run_id) pm
        LEFT JOIN (SELECT run_id, SUM(total_tokens) AS used FROM llm_usage_events GROUP BY run_id) u
            ON u.run_id = pm.run_id
        WHERE u.used IS NULL OR pm.spend > u.used""",
    "valid A/B row with differing or empty SHA/hash": """
        SELECT id FROM ab_test_results WHERE is_valid = :true AND (
            control_commit_sha <> treatment_commit_sha OR control_model_hash <> treatment_model_hash
            OR control_commit_sha = '' OR control_model_hash = '')""",
    "orphan tiers/phases": """
        SELECT t.id FROM tiers t LEFT JOIN runs r ON r.id = t.run_id WHERE r.id IS NULL
        UNION ALL SELECT p.id FROM phases p LEFT JOIN runs r ON r.id = p.run_id WHERE r.id IS NULL
        UNION ALL SELECT p.id FROM phases p LEFT JOIN tiers t ON t.id = p.tier_id WHERE t.id IS NULL""",
    "orphan metrics rows": """
        SELECT m.id FROM phase_metrics m LEFT JOIN phases p ON p.run_id = m.run_id AND p.phase_id = m.phase_id
            WHERE p.id IS NULL
        UNION ALL SELECT m.id FROM token_efficiency_metrics m
            LEFT JOIN phases p ON p.run_id = m.run_id AND p.phase_id = m.phase_id WHERE p.id IS NULL
        UNION ALL SELECT m.id FROM phase6_metrics m
            LEFT JOIN phases p ON p.run_id = m.run_id AND p.phase_id = m.phase_id WHERE p.id IS NULL
        UNION ALL SELECT m.id FROM llm_usage_events m LEFT JOIN runs r ON r.id = m.run_id WHERE r.id IS NULL
        UNION ALL SELECT m.id FROM dashboard_events m LEFT JOIN runs r ON r.id = m.run_id WHERE r.id IS NULL
        UNION ALL SELECT a.id FROM ab_test_results a LEFT JOIN runs c ON c.id = a.control_run_id
            LEFT JOIN runs t ON t.id = a.treatment_run_id WHERE c.id IS NULL OR t.id IS NULL""",
    "phase points at another run's tier": """
        SELECT p.id FROM phases p JOIN tiers t ON t.id = p.tier_id WHERE t.run_id <> p.run_id""",
    "DONE_SUCCESS run with failed phases": """
        SELECT r.id FROM runs r JOIN phases p ON p.run_id = r.id
        WHERE r.state = 'DONE_SUCCESS' AND p.state = 'FAILED'""",
    "terminal phase without telemetry": """
        SELECT p.id FROM phases p LEFT JOIN token_efficiency_metrics m
            ON m.run_id = p.run_id AND m.phase_id = p.phase_id AND m.phase_outcome = CAST(p.state AS VARCHAR)
        WHERE p.state IN ('COMPLETE', 'FAILED', 'SKIPPED') AND m.id IS NULL""",
    "run tokens_used differs from usage": """
        SELECT r.id FROM runs r LEFT JOIN (SELECT run_id, SUM(total_tokens) AS used FROM llm_usage_events
            GROUP BY run_id) u ON u.run_id = r.id WHERE r.tokens_used <> COALESCE(u.used, 0)""",
    "phase tokens_used differs from usage": """
        SELECT p.id FROM phases p LEFT JOIN (SELECT run_id, phase_id, SUM(total_tokens) AS used
            FROM llm_usage_events GROUP BY run_id, phase_id) u ON u.run_id = p.run_id AND u.phase_id = p.phase_id
        WHERE p.tokens_used <> COALESCE(u.used, 0)""",
    "prompt + completion differs from total": """
        SELECT id FROM llm_usage_events WHERE prompt_tokens IS NOT NULL AND completion_tokens IS NOT NULL
            AND prompt_tokens + completion_tokens <> total_tokens""",
    "A/B pair without experiment metadata": """
        SELECT a.id FROM ab_test_results a
        LEFT JOIN run_experiment_metadata c ON c.run_id = a.control_run_id
        LEFT JOIN run_experiment_metadata t ON t.run_id = a.treatment_run_id
        WHERE c.run_id IS NULL OR t.run_id IS NULL
           OR c.commit_sha <> a.control_commit_sha OR t.commit_sha <> a.treatment_commit_sha
           OR c.model_mapping_hash <> a.control_model_hash OR t.model_mapping_hash <> a.treatment_model_hash""",
}


@pytest.mark.parametrize("rule", sorted(QUALITY_VIOLATIONS))
def test_healthy_dataset_passes_data_quality_rule(built: tuple[Engine, Dataset], rule: str) -> None:
    engine, _ = built
    query = text(QUALITY_VIOLATIONS[rule])
    if ":true" in QUALITY_VIOLATIONS[rule]:
        query = query.bindparams(bindparam("true", value=True))
    with engine.connect() as conn:
        offenders = conn.execute(query).fetchmany(5)
    assert offenders == [], f"{rule}: {offenders}"


def test_every_not_null_column_is_filled_and_rows_match_counts(built: tuple[Engine, Dataset]) -> None:
    engine, dataset = built
    columns = inspect(engine)
    for table in TABLES:
        assert _scalar(engine, f"SELECT COUNT(*) FROM {table}") == dataset.row_counts[table] > 0, table
        for column in columns.get_columns(table):
            if not column["nullable"]:
                assert _scalar(engine, f"SELECT COUNT(*) FROM {table} WHERE {column['name']} IS NULL") == 0


def test_every_state_is_covered(built: tuple[Engine, Dataset]) -> None:
    engine, dataset = built
    run_states = {row[0] for row in _rows(engine, "SELECT DISTINCT state FROM runs")}
    assert {s.name for s in FAILED_RUN_STATES} | {"DONE_SUCCESS", "PHASE_EXECUTION"} <= run_states
    assert run_states <= {s.name for s in RunState}
    assert {row[0] for row in _rows(engine, "SELECT DISTINCT state FROM phases")} == {s.name for s in PhaseState}
    assert {row[0] for row in _rows(engine, "SELECT DISTINCT state FROM tiers")} == {s.name for s in TierState}
    assert set(dataset.failed_run_ids) == set(FAILED_RUN_STATES)
    assert dataset.successful_run_ids and dataset.active_run_ids
    for state, ids in dataset.run_ids_by_state.items():
        found = {row[0] for row in _rows(engine, "SELECT id FROM runs WHERE state = :s", s=state.name)}
        assert found == set(ids), state


def test_failures_come_from_at_least_twenty_families(built: tuple[Engine, Dataset]) -> None:
    engine, dataset = built
    events = {row[0] for row in _rows(engine, "SELECT message FROM dashboard_events WHERE event_type = 'phase_failed'")}
    written = [f for f in dataset.failures if f.source == "dashboard_events.phase_failed"]
    assert {f.message for f in written} == events
    assert len({f.family for f in written}) >= 20
    assert len(dataset.failure_families) == len(failure_catalog.FAMILIES)
    assert any("\n" in m for m in events), "some multi-line messages"
    assert any(":\\" in m for m in events) and any("/home/" in m or "/workspace/" in m for m in events)
    reasons = {row[0] for row in _rows(engine, "SELECT failure_reason FROM runs WHERE failure_reason IS NOT NULL")}
    assert len(reasons) == len(dataset.all_failed_run_ids)


def test_status_codes_and_caught_failures(built: tuple[Engine, Dataset]) -> None:
    engine, dataset = built
    codes = {row[0] for row in _rows(engine, "SELECT DISTINCT last_failure_reason FROM phases")}
    assert "MAX_ATTEMPTS_EXHAUSTED" in codes
    assert any(c and c.startswith("EXCEPTION: ") for c in codes)
    assert any(c and c.startswith("HARDENING_MITIGATED: ") for c in codes)
    caught = _rows(
        engine,
        "SELECT DISTINCT failure_pattern_detected FROM phase6_metrics WHERE failure_hardening_triggered = :t",
        t=True,
    )
    assert caught and {row[0] for row in caught} <= BUILTIN_PATTERNS
    assert {f.caught_by for f in dataset.failures if f.caught_by} <= BUILTIN_PATTERNS
    doctor = _scalar(engine, "SELECT COUNT(*) FROM llm_usage_events WHERE is_doctor_call = :t", t=True)
    assert doctor > 0


def test_ab_pairs_valid_and_invalid(built: tuple[Engine, Dataset]) -> None:
    engine, dataset = built
    assert dataset.valid_ab_pairs and dataset.invalid_ab_pairs
    rows = _rows(engine, "SELECT test_id, is_valid, validity_errors FROM ab_test_results")
    errors = [json.loads(e) if isinstance(e, str) else e for _, valid, e in rows if not valid]
    flat = [line for group in errors for line in group]
    assert any(line.startswith("ERROR: Commit SHA mismatch") for line in flat)
    assert any(line.startswith("ERROR: Model hash mismatch") for line in flat)
    for pair in dataset.valid_ab_pairs:
        delta = _scalar(engine, "SELECT success_rate_delta FROM ab_test_results WHERE test_id = :t", t=pair.test_id)
        assert delta >= -5


def test_ages_for_retention_and_fresh_active_runs(built: tuple[Engine, Dataset]) -> None:
    engine, dataset = built
    now = dataset.now
    old = _scalar(engine, "SELECT COUNT(*) FROM llm_usage_events WHERE created_at < :c", c=now - timedelta(days=90))
    middle = _scalar(
        engine,
        "SELECT COUNT(*) FROM phase_metrics WHERE created_at < :a AND created_at >= :b",
        a=now - timedelta(days=30),
        b=now - timedelta(days=90),
    )
    assert old > 0 and middle > 0
    assert _when(_scalar(engine, "SELECT MAX(created_at) FROM llm_usage_events")) <= now
    for run_id in dataset.run_ids_by_state[RunState.PHASE_EXECUTION]:
        latest = _when(_scalar(engine, "SELECT MAX(created_at) FROM llm_usage_events WHERE run_id = :r", r=run_id))
        assert now - timedelta(minutes=15) <= latest <= now


def test_largest_run_has_most_phases_and_metrics(built: tuple[Engine, Dataset]) -> None:
    engine, dataset = built
    for table in ("phases", "phase_metrics"):
        top = _rows(engine, f"SELECT run_id, COUNT(*) AS n FROM {table} GROUP BY run_id ORDER BY n DESC")
        assert top[0][0] == dataset.largest_run_id and top[0][1] > top[1][1]


def test_error_report_files(built: tuple[Engine, Dataset]) -> None:
    _, dataset = built
    files = sorted(dataset.errors_dir.glob("*/errors/*.json"))
    assert len(files) == dataset.error_report_files == dataset.row_counts["dashboard_events"] - _other_events(built)
    leaked = 0
    for path in files:
        report = json.loads(path.read_text(encoding="utf-8"))
        assert tuple(report) == REPORT_KEYS
        assert path.parent.parent.name == report["run_id"]
        assert path.name.endswith(f"_{report['error_type']}.json")
        assert report["timestamp"].endswith("+00:00")
        frame = report["stack_frames"][0]
        assert set(frame) == {"filename", "function", "line_number", "local_vars"}
        text_ = path.read_text(encoding="utf-8")
        leaked += any(secret in text_ for secret in dataset.planted_secrets)
    assert 0 < leaked < len(files)


def _other_events(built: tuple[Engine, Dataset]) -> int:
    engine, _ = built
    return _scalar(engine, "SELECT COUNT(*) FROM dashboard_events WHERE event_type <> 'phase_failed'")


def test_later_orm_inserts_do_not_collide_with_seeded_ids(built: tuple[Engine, Dataset]) -> None:
    from sqlalchemy.orm import Session

    from pytest_autopack.schema.models import Tier

    engine, dataset = built
    with Session(engine) as session:
        tier = Tier(
            tier_id="T99",
            run_id=dataset.largest_run_id,
            tier_index=99,
            name="extra",
            state=TierState.PENDING,
            max_major_issues_tolerated=0,
            tokens_used=0,
            ci_runs_used=0,
            minor_issues_count=0,
            major_issues_count=0,
            cleanliness="clean",
            created_at=dataset.now,
            updated_at=dataset.now,
        )
        session.add(tier)
        session.flush()
        assert tier.id > _scalar(engine, "SELECT MAX(id) FROM tiers")
        session.rollback()


def test_reseeding_is_refused_and_writes_nothing(built: tuple[Engine, Dataset], tmp_path: Path) -> None:
    engine, dataset = built
    with pytest.raises(DatasetExistsError, match="already holds the dataset of seed"):
        build_dataset(engine, errors_dir=tmp_path)
    assert _scalar(engine, "SELECT COUNT(*) FROM runs") == dataset.row_counts["runs"]
    assert list(tmp_path.iterdir()) == []


def test_two_builds_are_identical(databases: Databases) -> None:
    dumps = []
    for _ in range(2):
        engine = databases.new()
        build_dataset(engine)
        with engine.connect() as conn:
            dumps.append({t: sorted(map(repr, conn.execute(text(f"SELECT * FROM {t}")))) for t in TABLES})
    assert dumps[0] == dumps[1]


def test_other_seed_differs_and_coexists(databases: Databases) -> None:
    engine = databases.new()
    first = build_dataset(engine)
    second = build_dataset(engine, seed=7)
    assert not set(first.successful_run_ids) & set(second.successful_run_ids)
    assert _scalar(engine, "SELECT COUNT(*) FROM runs") == first.row_counts["runs"] + second.row_counts["runs"]
    assert (
        _scalar(engine, "SELECT COUNT(*) FROM phases p JOIN tiers t ON t.id = p.tier_id WHERE t.run_id <> p.run_id")
        == 0
    )


def test_failed_build_leaves_database_and_errors_dir_as_they_were(databases: Databases, tmp_path: Path) -> None:
    engine = databases.new()
    calls = []

    def explode(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        build_dataset(engine, errors_dir=tmp_path, progress=explode, batch_rows=200)
    for table in TABLES:
        assert _scalar(engine, f"SELECT COUNT(*) FROM {table}") == 0
    assert list(tmp_path.iterdir()) == []


def test_rows_grow_linearly_with_scale(databases: Databases) -> None:
    engine = databases.new()
    two = build_dataset(engine, scale=2, seed=11)
    engine = databases.new()
    one = build_dataset(engine, scale=1, seed=11)
    for table in TABLES:
        assert 1.6 <= two.row_counts[table] / one.row_counts[table] <= 2.4, table


@pytest.mark.parametrize("scale", [0, -3])
def test_bad_scale_is_refused(databases: Databases, scale: int) -> None:
    engine = databases.new(migrate=False)
    with pytest.raises(UsageError, match="scale must be between 1 and"):
        build_dataset(engine, scale=scale)


def test_aware_now_is_stored_as_naive_utc(databases: Databases) -> None:
    engine = databases.new()
    dataset = build_dataset(engine, now=datetime(2026, 1, 2, 13, 0, tzinfo=timezone(timedelta(hours=1))))
    assert dataset.now == datetime(2026, 1, 2, 12, 0)
    assert _when(_scalar(engine, "SELECT MAX(created_at) FROM llm_usage_events")) <= dataset.now


def test_largest_run_generated_in_chunks_stays_consistent(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_autopack.fixtures import dataset_rows

    monkeypatch.setattr(dataset_rows, "LARGE_RUN_CHUNK_PHASES", 16)  # 48 phases: three chunks
    engine = databases.new()
    dataset = build_dataset(engine, errors_dir=tmp_path)
    for rule, sql in QUALITY_VIOLATIONS.items():
        with engine.connect() as conn:
            offenders = conn.execute(
                text(sql).bindparams(bindparam("true", value=True)) if ":true" in sql else text(sql)
            )
            assert offenders.fetchmany(5) == [], rule
    tokens = _scalar(engine, "SELECT tokens_used FROM runs WHERE id = :r", r=dataset.largest_run_id)
    assert tokens == _scalar(engine, "SELECT SUM(tokens_used) FROM tiers WHERE run_id = :r", r=dataset.largest_run_id)
    assert len(list(tmp_path.glob("*/errors/*.json"))) == dataset.error_report_files
