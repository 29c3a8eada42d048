"""Autopack's state enums. Stored as member names (names equal values), as Autopack does."""

from __future__ import annotations

import enum


class RunState(str, enum.Enum):
    """Lifecycle of a run. ``EXECUTING`` is deliberately absent: it is a phase state only."""

    QUEUED = "QUEUED"
    PLAN_BOOTSTRAP = "PLAN_BOOTSTRAP"
    RUN_CREATED = "RUN_CREATED"
    PHASE_QUEUEING = "PHASE_QUEUEING"
    PHASE_EXECUTION = "PHASE_EXECUTION"
    GATE = "GATE"
    CI_RUNNING = "CI_RUNNING"
    SNAPSHOT_CREATED = "SNAPSHOT_CREATED"
    DONE_SUCCESS = "DONE_SUCCESS"
    DONE_FAILED_BUDGET_EXHAUSTED = "DONE_FAILED_BUDGET_EXHAUSTED"
    DONE_FAILED_POLICY_VIOLATION = "DONE_FAILED_POLICY_VIOLATION"
    DONE_FAILED_REQUIRES_HUMAN_REVIEW = "DONE_FAILED_REQUIRES_HUMAN_REVIEW"
    DONE_FAILED_ENVIRONMENT = "DONE_FAILED_ENVIRONMENT"


class PhaseState(str, enum.Enum):
    """Lifecycle of a phase."""

    QUEUED = "QUEUED"
    EXECUTING = "EXECUTING"
    GATE = "GATE"
    CI_RUNNING = "CI_RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class TierState(str, enum.Enum):
    """Lifecycle of a tier."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


TERMINAL_RUN_STATES = frozenset(s for s in RunState if s.name.startswith("DONE_"))
FAILED_RUN_STATES = frozenset(s for s in TERMINAL_RUN_STATES if s is not RunState.DONE_SUCCESS)
TERMINAL_PHASE_STATES = frozenset({PhaseState.COMPLETE, PhaseState.FAILED, PhaseState.SKIPPED})
