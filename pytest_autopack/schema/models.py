"""SQLAlchemy 2.x models of the Autopack tables, plus the three tables this project adds.

The Autopack tables reproduce commit ea4ca1c7 (P12) exactly: names, types,
nullability, keys and index names, so that ``create_all`` here and in Autopack
produce the same database. No server defaults: Autopack fills every default in
Python, and so must every writer (see ``fixtures/dataset.py``). Newer lineages
add columns and indexes; code reads columns by name and tolerates them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pytest_autopack.schema.enums import PhaseState, RunState, TierState


class Base(DeclarativeBase):
    """Declarative base whose metadata is the Autopack-compatible schema."""


def _state(enum_cls: type, name: str) -> Enum:
    # Member names stored; native enum type on PostgreSQL with Autopack's type name;
    # plain VARCHAR(len of longest name) without CHECK on SQLite, as Autopack's create_all.
    return Enum(enum_cls, name=name, native_enum=True, create_constraint=False, validate_strings=True)


class Run(Base):
    """An autonomous coding-agent run; ``id`` is chosen by the caller."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String, primary_key=True, index=True)
    state: Mapped[RunState] = mapped_column(_state(RunState, "runstate"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    safety_profile: Mapped[str] = mapped_column(String, nullable=False)
    run_scope: Mapped[str] = mapped_column(String, nullable=False)
    token_cap: Mapped[int] = mapped_column(Integer, nullable=False)
    max_phases: Mapped[int] = mapped_column(Integer, nullable=False)
    max_duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    max_minor_issues_total: Mapped[int | None] = mapped_column(Integer)
    tokens_used: Mapped[int] = mapped_column(Integer, nullable=False)
    ci_runs_used: Mapped[int] = mapped_column(Integer, nullable=False)
    minor_issues_count: Mapped[int] = mapped_column(Integer, nullable=False)
    major_issues_count: Mapped[int] = mapped_column(Integer, nullable=False)
    promotion_eligible_to_main: Mapped[str] = mapped_column(String, nullable=False)
    debt_status: Mapped[str | None] = mapped_column(String)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    goal_anchor: Mapped[str | None] = mapped_column(Text)


class Tier(Base):
    """A tier of a run; ``tier_id`` is a human label, ``id`` the key phases point at."""

    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    tier_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    run_id: Mapped[str] = mapped_column(String, ForeignKey("runs.id"), nullable=False)
    tier_index: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[TierState] = mapped_column(_state(TierState, "tierstate"), nullable=False)
    token_cap: Mapped[int | None] = mapped_column(Integer)
    ci_run_cap: Mapped[int | None] = mapped_column(Integer)
    max_minor_issues_tolerated: Mapped[int | None] = mapped_column(Integer)
    max_major_issues_tolerated: Mapped[int] = mapped_column(Integer, nullable=False)
    tokens_used: Mapped[int] = mapped_column(Integer, nullable=False)
    ci_runs_used: Mapped[int] = mapped_column(Integer, nullable=False)
    minor_issues_count: Mapped[int] = mapped_column(Integer, nullable=False)
    major_issues_count: Mapped[int] = mapped_column(Integer, nullable=False)
    cleanliness: Mapped[str] = mapped_column(String, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Phase(Base):
    """A phase of a run, unique per ``(run_id, phase_id)``; ``tier_id`` is ``tiers.id``."""

    __tablename__ = "phases"
    __table_args__ = (UniqueConstraint("run_id", "phase_id", name="uq_phases_run_id_phase_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    phase_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    run_id: Mapped[str] = mapped_column(String, ForeignKey("runs.id"), nullable=False)
    tier_id: Mapped[int] = mapped_column(Integer, ForeignKey("tiers.id"), nullable=False)
    phase_index: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[PhaseState] = mapped_column(_state(PhaseState, "phasestate"), nullable=False)
    task_category: Mapped[str | None] = mapped_column(String)
    complexity: Mapped[str | None] = mapped_column(String)
    builder_mode: Mapped[str | None] = mapped_column(String)
    scope: Mapped[dict | None] = mapped_column(JSON)
    max_builder_attempts: Mapped[int | None] = mapped_column(Integer)
    max_auditor_attempts: Mapped[int | None] = mapped_column(Integer)
    incident_token_cap: Mapped[int | None] = mapped_column(Integer)
    builder_attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    auditor_attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    tokens_used: Mapped[int] = mapped_column(Integer, nullable=False)
    minor_issues_count: Mapped[int] = mapped_column(Integer, nullable=False)
    major_issues_count: Mapped[int] = mapped_column(Integer, nullable=False)
    issue_state: Mapped[str] = mapped_column(String, nullable=False)
    quality_level: Mapped[str | None] = mapped_column(String)
    quality_blocked: Mapped[bool] = mapped_column(Boolean, nullable=False)
    retry_attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    revision_epoch: Mapped[int] = mapped_column(Integer, nullable=False)
    escalation_level: Mapped[int] = mapped_column(Integer, nullable=False)
    last_attempt_timestamp: Mapped[datetime | None] = mapped_column(DateTime)
    last_failure_reason: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class LlmUsageEvent(Base):
    """One LLM call; ``total_tokens`` is the ground truth of what a run spent. No FK to runs."""

    __tablename__ = "llm_usage_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    provider: Mapped[str] = mapped_column(String, nullable=False, index=True)
    model: Mapped[str] = mapped_column(String, nullable=False, index=True)
    run_id: Mapped[str | None] = mapped_column(String, index=True)
    phase_id: Mapped[str | None] = mapped_column(String)
    role: Mapped[str] = mapped_column(String, nullable=False)
    total_tokens: Mapped[int] = mapped_column(Integer, nullable=False)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    is_doctor_call: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
    doctor_model: Mapped[str | None] = mapped_column(String)
    doctor_action: Mapped[str | None] = mapped_column(String)


class TokenEfficiencyMetrics(Base):
    """Per-phase artifact-substitution savings (counterfactual, never added to spend)."""

    __tablename__ = "token_efficiency_metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    run_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    phase_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    artifact_substitutions: Mapped[int] = mapped_column(Integer, nullable=False)
    tokens_saved_artifacts: Mapped[int] = mapped_column(Integer, nullable=False)
    budget_mode: Mapped[str] = mapped_column(String, nullable=False)
    budget_used: Mapped[int] = mapped_column(Integer, nullable=False)
    budget_cap: Mapped[int] = mapped_column(Integer, nullable=False)
    files_kept: Mapped[int] = mapped_column(Integer, nullable=False)
    files_omitted: Mapped[int] = mapped_column(Integer, nullable=False)
    phase_outcome: Mapped[str | None] = mapped_column(String, index=True)
    embedding_cache_hits: Mapped[int | None] = mapped_column(Integer)
    embedding_cache_misses: Mapped[int | None] = mapped_column(Integer)
    embedding_calls_made: Mapped[int | None] = mapped_column(Integer)
    embedding_cap_value: Mapped[int | None] = mapped_column(Integer)
    embedding_fallback_reason: Mapped[str | None] = mapped_column(String)
    deliverables_count: Mapped[int | None] = mapped_column(Integer)
    context_files_total: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)


class Phase6Metrics(Base):
    """Phase 6 feature telemetry: failure hardening, doctor skips, intention context."""

    __tablename__ = "phase6_metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    run_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    phase_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    failure_hardening_triggered: Mapped[bool] = mapped_column(Boolean, nullable=False)
    failure_pattern_detected: Mapped[str | None] = mapped_column(String)
    failure_hardening_mitigated: Mapped[bool] = mapped_column(Boolean, nullable=False)
    doctor_call_skipped: Mapped[bool] = mapped_column(Boolean, nullable=False)
    doctor_tokens_avoided_estimate: Mapped[int] = mapped_column(Integer, nullable=False)
    estimate_coverage_n: Mapped[int | None] = mapped_column(Integer)
    estimate_source: Mapped[str | None] = mapped_column(String)
    intention_context_injected: Mapped[bool] = mapped_column(Boolean, nullable=False)
    intention_context_chars: Mapped[int] = mapped_column(Integer, nullable=False)
    intention_context_source: Mapped[str | None] = mapped_column(String)
    plan_normalization_used: Mapped[bool] = mapped_column(Boolean, nullable=False)
    plan_normalization_confidence: Mapped[int | None] = mapped_column(Integer)
    plan_normalization_warnings: Mapped[int] = mapped_column(Integer, nullable=False)
    plan_deliverables_count: Mapped[int | None] = mapped_column(Integer)
    plan_scope_size_bytes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)


class ABTestResult(Base):
    """A control/treatment comparison; valid only with equal commit SHAs and model hashes."""

    __tablename__ = "ab_test_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    control_run_id: Mapped[str] = mapped_column(String, ForeignKey("runs.id"), nullable=False)
    treatment_run_id: Mapped[str] = mapped_column(String, ForeignKey("runs.id"), nullable=False)
    control_commit_sha: Mapped[str] = mapped_column(String, nullable=False)
    treatment_commit_sha: Mapped[str] = mapped_column(String, nullable=False)
    control_model_hash: Mapped[str] = mapped_column(String, nullable=False)
    treatment_model_hash: Mapped[str] = mapped_column(String, nullable=False)
    is_valid: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
    validity_errors: Mapped[list | None] = mapped_column(JSON)
    token_delta: Mapped[int | None] = mapped_column(Integer)
    time_delta_seconds: Mapped[float | None] = mapped_column(Float)
    success_rate_delta: Mapped[float | None] = mapped_column(Float)
    control_total_tokens: Mapped[int | None] = mapped_column(Integer)
    control_phases_complete: Mapped[int | None] = mapped_column(Integer)
    control_phases_failed: Mapped[int | None] = mapped_column(Integer)
    control_total_phases: Mapped[int | None] = mapped_column(Integer)
    treatment_total_tokens: Mapped[int | None] = mapped_column(Integer)
    treatment_phases_complete: Mapped[int | None] = mapped_column(Integer)
    treatment_phases_failed: Mapped[int | None] = mapped_column(Integer)
    treatment_total_phases: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String)


AUTOPACK_TABLES = (
    "runs",
    "tiers",
    "phases",
    "llm_usage_events",
    "token_efficiency_metrics",
    "phase6_metrics",
    "ab_test_results",
)


class PhaseMetric(Base):
    """Per-phase spend by kind (this project). The four kinds sum to the phase's spend."""

    __tablename__ = "phase_metrics"
    __table_args__ = (Index("ix_phase_metrics_run_created", "run_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String, nullable=False)
    phase_id: Mapped[str] = mapped_column(String, nullable=False)
    retrieval_tokens: Mapped[int] = mapped_column(Integer, nullable=False)
    second_opinion_tokens: Mapped[int] = mapped_column(Integer, nullable=False)
    evidence_request_tokens: Mapped[int] = mapped_column(Integer, nullable=False)
    base_tokens: Mapped[int] = mapped_column(Integer, nullable=False)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class DashboardEvent(Base):
    """A dashboard event (this project); failure events feed pattern mining."""

    __tablename__ = "dashboard_events"
    __table_args__ = (
        Index("ix_dashboard_events_run_id", "run_id"),
        Index("ix_dashboard_events_event_type", "event_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String, nullable=False)
    phase_id: Mapped[str | None] = mapped_column(String)
    event_type: Mapped[str] = mapped_column(String, nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class RunExperimentMetadata(Base):
    """What a run was built from (this project): strict A/B validity compares these."""

    __tablename__ = "run_experiment_metadata"

    run_id: Mapped[str] = mapped_column(String, ForeignKey("runs.id"), primary_key=True)
    commit_sha: Mapped[str] = mapped_column(String, nullable=False)
    branch: Mapped[str | None] = mapped_column(String)
    model_mapping_hash: Mapped[str] = mapped_column(String, nullable=False)
    run_spec_hash: Mapped[str | None] = mapped_column(String)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


PROJECT_TABLES = ("phase_metrics", "dashboard_events", "run_experiment_metadata")


# Indexes that serve the dashboard queries (consolidated metrics per run, phases by run and
# state, events by run and type, the A/B lookup by treatment run). Autopack HEAD ships
# ix_phases_run_state under the same name; migrations skip any index whose leading columns
# another index already covers, whatever its name.
def _index(model: type[Base], name: str) -> Index:
    return next(i for i in model.__table__.indexes if i.name == name)


# The indexes this project adds to Autopack's own tables (P12's create_all lacks them).
ADDED_TO_AUTOPACK_TABLES: tuple[Index, ...] = (
    Index("ix_phases_run_state", Phase.run_id, Phase.state),
    Index("ix_ab_test_results_treatment_run_id", ABTestResult.treatment_run_id),
)

PERFORMANCE_INDEXES: tuple[Index, ...] = (
    *ADDED_TO_AUTOPACK_TABLES,
    _index(PhaseMetric, "ix_phase_metrics_run_created"),
    _index(DashboardEvent, "ix_dashboard_events_run_id"),
    _index(DashboardEvent, "ix_dashboard_events_event_type"),
    _index(LlmUsageEvent, "ix_llm_usage_events_run_id"),
    _index(TokenEfficiencyMetrics, "ix_token_efficiency_metrics_run_id"),
    _index(Phase6Metrics, "ix_phase6_metrics_run_id"),
)
