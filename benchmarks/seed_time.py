"""Seconds to seed about 1,000,000 phase_metrics rows on SQLite and PostgreSQL.

Each backend gets a fresh database (a temp SQLite file; a scratch database on the PostgreSQL
server, dropped afterwards), migrated first; only ``build_dataset`` is timed. It also records
the peak resident memory of the process, which stays flat because rows are generated and
inserted in batches. Usage::

    python benchmarks/seed_time.py [--scale 1260] [--backends sqlite,postgresql] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pytest_autopack.backends.pg_admin import create_database, drop_database  # noqa: E402
from pytest_autopack.fixtures.dataset import build_dataset  # noqa: E402
from pytest_autopack.schema.engine import create_engine_for  # noqa: E402
from pytest_autopack.schema.migrations import upgrade  # noqa: E402
from pytest_autopack.urls import DatabaseURL, parse_database_url  # noqa: E402


def peak_rss_mb() -> str:
    try:
        import resource
    except ImportError:  # Windows
        return "n/a"
    return str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)  # KiB on Linux


def seed_once(url: DatabaseURL, scale: int) -> tuple[float, dict[str, int]]:
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        dataset = build_dataset(engine, scale=scale)
        return time.perf_counter() - started, dict(dataset.row_counts)
    finally:
        engine.dispose()


def measure(backend: str, scale: int, pg_url: str) -> tuple[float, dict[str, int]]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return seed_once(parse_database_url(f"sqlite:///{(Path(tmp) / 'seed.db').as_posix()}"), scale)
    admin = parse_database_url(pg_url, source="--pg-url")
    name = f"autopack_seedbench_{uuid.uuid4().hex[:8]}"
    url = create_database(admin, name)
    try:
        return seed_once(url, scale)
    finally:
        drop_database(admin, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1260)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(
        f"# seed time, scale {args.scale}, {platform.node()} {platform.machine()} "
        f"Python {platform.python_version()}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    )
    print("| backend | phase_metrics rows | all rows | seconds | rows/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        seconds, counts = measure(backend, args.scale, args.pg_url)
        total = sum(counts.values())
        row = f"{counts['phase_metrics']:,} | {total:,} | {seconds:.1f} | {total / seconds:,.0f} | {peak_rss_mb()}"
        print(f"| {backend} | {row} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
