"""Time to give one xdist worker its own database cloned from a migrated template.

PostgreSQL: ``clone_for_worker`` (``CREATE DATABASE … TEMPLATE …``, after the check for a
leftover of the same name) and the ``drop_database`` that follows it, on the server the
provisioning chain finds (``--pg-url`` / ``AUTOPACK_PG_URL``, else a container or a local
cluster). SQLite: ``clone_sqlite_for_worker`` (file copy + rename). For scale, the cost of
creating and migrating an empty database, which is what every worker would pay without
a template (the schema only; the realistic dataset loaded into the real template widens
the gap). Medians of ``--repeat`` runs (at least 5).

    python benchmarks/template_clone.py [--pg-url URL] [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pytest_autopack.backends.naming import new_run_id, template_database_name, worker_database_name  # noqa: E402
from pytest_autopack.backends.pg_admin import create_database, drop_database, with_database  # noqa: E402
from pytest_autopack.backends.pg_template import clone_for_worker, drop_run_databases, ensure_template  # noqa: E402
from pytest_autopack.backends.postgres import provision_postgres  # noqa: E402
from pytest_autopack.backends.sqlite import (  # noqa: E402
    clone_sqlite_for_worker,
    database_path,
    drop_sqlite_database,
    ensure_sqlite_template,
    sqlite_file_url,
)
from pytest_autopack.schema.engine import create_engine_for  # noqa: E402
from pytest_autopack.schema.migrations import upgrade  # noqa: E402


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def migrate_from_scratch_ms(url) -> float:
    engine = create_engine_for(url)
    try:
        return timed(lambda: upgrade(engine))
    finally:
        engine.dispose()


def bench_postgres(pg_url: str | None, repeat: int, workdir: Path) -> list[tuple[str, str, list[float]]]:
    with provision_postgres(pg_url, require=True, workdir=workdir, url_source="--pg-url") as server:
        print(f"# {server.describe()}")
        run = new_run_id()
        try:
            template = template_database_name(run)
            ensure_template(server.admin, template, upgrade, workdir / "locks")
            clone, drop, scratch = [], [], []
            for i in range(repeat):
                name = worker_database_name(run, f"gw{i}")
                clone.append(timed(lambda name=name: clone_for_worker(server.admin, template, name)))
                drop.append(timed(lambda name=name: drop_database(server.admin, name)))
                empty = worker_database_name(run, f"scratch{i}")
                created = timed(lambda empty=empty: create_database(server.admin, empty))
                scratch.append(created + migrate_from_scratch_ms(with_database(server.admin, empty)))
                drop_database(server.admin, empty)
        finally:
            drop_run_databases(server.admin, run)
    return [
        ("postgresql", "clone_for_worker (CREATE DATABASE … TEMPLATE)", clone),
        ("postgresql", "drop_database", drop),
        ("postgresql", "instead: CREATE DATABASE + migrate it", scratch),
    ]


def bench_sqlite(repeat: int, workdir: Path) -> list[tuple[str, str, list[float]]]:
    run = new_run_id()
    template = ensure_sqlite_template(workdir / "shared", template_database_name(run), upgrade)
    clone, scratch = [], []
    for i in range(repeat):
        clone.append(timed(lambda i=i: clone_sqlite_for_worker(template, workdir, worker_database_name(run, f"gw{i}"))))
        empty = database_path(workdir, worker_database_name(run, f"scratch{i}"))
        scratch.append(migrate_from_scratch_ms(sqlite_file_url(empty)))
        drop_sqlite_database(empty)
    size_kib = template.stat().st_size / 1024
    return [
        ("sqlite", f"clone_sqlite_for_worker (copy of {size_kib:.0f} KiB)", clone),
        ("sqlite", "instead: migrate an empty file", scratch),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("AUTOPACK_PG_URL"))
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    repeat = max(args.repeat, 5)
    print(f"# {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, n={repeat}")
    with tempfile.TemporaryDirectory(prefix="autopack-bench-") as tmp:
        rows = bench_postgres(args.pg_url, repeat, Path(tmp) / "pg") + bench_sqlite(repeat, Path(tmp) / "sqlite")
    print(f"| {'backend':<10} | {'operation':<48} | {'median ms':>9} | {'min ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 12}|{'-' * 50}|{'-' * 11}|{'-' * 9}|{'-' * 9}|")
    for backend, operation, samples in rows:
        print(
            f"| {backend:<10} | {operation:<48} | {statistics.median(samples):>9.1f} "
            f"| {min(samples):>7.1f} | {max(samples):>7.1f} |"
        )


if __name__ == "__main__":
    main()
