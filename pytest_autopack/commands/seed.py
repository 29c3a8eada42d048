"""``autopack seed``: migrate a database and load the realistic dataset into it.

Progress and notes go to stderr, the one-line summary (row counts per table) to stdout, so a
script can capture the summary. The database is only ever named in its masked form.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pytest_autopack.commands.common import add_db_url_argument, progress_line, resolve_db_url
from pytest_autopack.errors import AutopackError, UsageError
from pytest_autopack.fixtures.dataset_plan import DEFAULT_SEED


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``seed`` subcommand."""
    parser = subparsers.add_parser(
        "seed",
        help="load the deterministic realistic dataset",
        description=(
            "Migrate the database, then write the realistic Autopack history: runs in every state, tiers, "
            "phases, telemetry, failures from 30 families, A/B pairs and rows old enough for retention. "
            "Same --seed and --scale give the same rows. Refuses a database that already holds them."
        ),
    )
    add_db_url_argument(parser)
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="N",
        help="size multiplier: about 800 phase_metrics rows per unit; 1260 gives about 1,000,000 (default 1)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"default {DEFAULT_SEED}")
    parser.add_argument(
        "--errors-dir",
        type=Path,
        metavar="DIR",
        help="also write Autopack-style error reports to DIR/<run_id>/errors/<timestamp>_<error_type>.json",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, migrate, seed in one transaction, and print the summary line."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from pytest_autopack.fixtures.dataset import MAX_SCALE, build_dataset, find_existing_run
    from pytest_autopack.schema.engine import create_engine_for
    from pytest_autopack.schema.migrations import upgrade
    from pytest_autopack.schema.probe import check_reachable
    from pytest_autopack.urls import mask_url

    if not 1 <= args.scale <= MAX_SCALE:
        raise UsageError(f"--scale must be between 1 and {MAX_SCALE}, got {args.scale}")
    if args.errors_dir is not None and args.errors_dir.exists() and not args.errors_dir.is_dir():
        raise UsageError(f"--errors-dir is not a directory: {args.errors_dir}")
    url = resolve_db_url(args)
    engine = create_engine_for(url)
    try:
        check_reachable(engine, url)
        with engine.connect() as conn:  # refuse before migrating: a re-seed must change nothing at all
            existing = find_existing_run(conn, args.seed) if inspect(conn).has_table("runs") else None
        if existing is not None:
            raise UsageError(
                f"{url} already holds the dataset of seed {args.seed} (run {existing!r}); "
                "use a fresh database or another --seed"
            )
        print(f"seeding {url} ({url.dialect}): migrating", file=sys.stderr)
        upgrade(engine)
        print(f"seeding scale {args.scale}, seed {args.seed}", file=sys.stderr)
        started = time.perf_counter()
        try:
            dataset = build_dataset(
                engine,
                scale=args.scale,
                seed=args.seed,
                errors_dir=args.errors_dir,
                progress=lambda done, total: progress_line("runs", done, total),
            )
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__]
            raise AutopackError(f"seeding failed and was rolled back: {mask_url(reason[0])}") from None
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    counts = " ".join(f"{table}={count}" for table, count in dataset.row_counts.items())
    reports = f" error_reports={dataset.error_report_files}" if args.errors_dir is not None else ""
    print(f"seeded scale {args.scale} seed {args.seed} in {elapsed:.1f}s: {counts}{reports}")
    return 0
