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


class ScratchDatabases:
    """Uniquely named scratch databases of one dialect (SQLite files or PostgreSQL databases), dropped after."""

    def __init__(self, dialect, tmp):
        import os
        import uuid

        from pytest_autopack.urls import parse_database_url

        self.dialect, self.tmp, self.created, self._uuid = dialect, tmp, [], uuid
        self.admin = None
        if dialect == "postgresql":
            from pytest_autopack.backends.pg_admin import ping
            from pytest_autopack.errors import ProvisioningError

            server = os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
            self.admin = parse_database_url(server, source="AUTOPACK_PG_URL")
            try:
                ping(self.admin, source="test server")
            except ProvisioningError as exc:
                import pytest

                if os.environ.get("CI", "").lower() == "true":
                    pytest.fail(f"CI=true but the test PostgreSQL is unreachable: {exc}")
                pytest.skip(str(exc))
        self._parse = parse_database_url

    def new(self):
        """A new empty database URL."""
        name = f"autopack_patterns_{self._uuid.uuid4().hex[:12]}"
        if self.admin is None:
            return self._parse(f"sqlite:///{(self.tmp / f'{name}.db').as_posix()}")
        from pytest_autopack.backends.pg_admin import create_database

        self.created.append(name)
        return create_database(self.admin, name)

    def close(self):
        """Drop every PostgreSQL database made here (SQLite files go with tmp)."""
        from pytest_autopack.backends.pg_admin import drop_database

        for name in self.created:
            drop_database(self.admin, name)


def seeded(databases, errors_dir=None):
    """A migrated database holding the realistic dataset; returns (url, dataset)."""
    from pytest_autopack.fixtures.dataset import build_dataset
    from pytest_autopack.schema.engine import create_engine_for
    from pytest_autopack.schema.migrations import upgrade

    url = databases.new()
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        dataset = build_dataset(engine, errors_dir=errors_dir)
    finally:
        engine.dispose()
    return url, dataset
