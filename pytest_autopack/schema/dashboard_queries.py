"""The dashboard's hot queries and the index each one is meant to use.

The migration checks EXPLAIN exactly these statements on the target, so an index
that exists but cannot serve them (wrong leading column, INVALID, planner never
picks it) is caught. Parameters are bound; booleans are never compared to 1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardQuery:
    """A query, sample parameters, and the (table, leading columns) of the index it should use."""

    name: str
    sql: str
    table: str
    index_columns: tuple[str, ...]


DASHBOARD_QUERIES: tuple[DashboardQuery, ...] = (
    DashboardQuery(
        "phases by run and state",
        "SELECT id, phase_id, state FROM phases WHERE run_id = :run_id AND state = :state",
        "phases",
        ("run_id", "state"),
    ),
    DashboardQuery(
        "consolidated spend by kind for a run",
        "SELECT SUM(retrieval_tokens), SUM(second_opinion_tokens), SUM(evidence_request_tokens), SUM(base_tokens) "
        "FROM phase_metrics WHERE run_id = :run_id",
        "phase_metrics",
        ("run_id",),
    ),
    DashboardQuery(
        "consolidated metrics page for a run",
        "SELECT id, phase_id, base_tokens, created_at FROM phase_metrics WHERE run_id = :run_id "
        "ORDER BY created_at, id LIMIT 100 OFFSET 0",
        "phase_metrics",
        ("run_id", "created_at"),
    ),
    DashboardQuery(
        "LLM usage totals for a run",
        "SELECT SUM(total_tokens), SUM(prompt_tokens), SUM(completion_tokens) FROM llm_usage_events "
        "WHERE run_id = :run_id",
        "llm_usage_events",
        ("run_id",),
    ),
    DashboardQuery(
        "events by run",
        "SELECT id, event_type, created_at FROM dashboard_events WHERE run_id = :run_id",
        "dashboard_events",
        ("run_id",),
    ),
)
