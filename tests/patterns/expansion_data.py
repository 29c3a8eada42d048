"""Shared builders for the pattern-expansion tests (imported, not a conftest: tests/patterns is shared)."""

from __future__ import annotations

from pytest_autopack.generators.emit import Targets
from pytest_autopack.patterns.mining import ExpandOptions, analyze
from pytest_autopack.patterns.registry import load_registry
from pytest_autopack.patterns.sources import FailureRecord, Loaded

FAMILIES = (
    (lambda i: f"Phase timed out after {60 * (i + 1)}s", 7),
    (lambda i: f"AttributeError: 'NoneType' object has no attribute '{('session', 'text', 'id', 'run')[i % 4]}'", 6),
    (lambda i: f"KeyError: '{('token', 'run_id', 'phase', 'scope', 'user')[i % 5]}'", 5),
    (lambda i: f"sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: t_{i}", 4),
    (lambda i: f"openai.RateLimitError: Error code: 429 - Rate limited, retry after {i + 2}s", 3),
    (lambda i: f"json.decoder.JSONDecodeError: Expecting value: line {i + 1} column 1 (char {i * 7})", 2),
)


def failure_records() -> list[FailureRecord]:
    """Interleaved messages of six families, with runs, phases and times."""
    records = []
    for i in range(7):
        for f, (render, size) in enumerate(FAMILIES):
            if i < size:
                records.append(
                    FailureRecord(render(i), f"run-{i % 3}", f"phase-{f}-{i % 2}", f"2026-02-0{1 + i}T12:00:0{f}")
                )
    return records


def make_analysis():
    """The analysis of :func:`failure_records` with the default thresholds (min 3, top 5)."""
    return analyze(Loaded(failure_records()), load_registry(entry_points=False), ExpandOptions(), source="test")


def make_targets(tmp_path):
    """A generation tree: a detector package, a tests folder and a backlog folder."""
    return Targets(tmp_path / "gen" / "detectors", tmp_path / "gen_tests", tmp_path / "backlog")
