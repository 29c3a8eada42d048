"""``autopack migrate``: bring a database to the full schema, or show what that would do."""

from __future__ import annotations

import argparse

from pytest_autopack.commands.common import add_db_url_argument, resolve_db_url


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``migrate`` subcommand."""
    parser = subparsers.add_parser(
        "migrate",
        help="apply the additive, idempotent migrations",
        description=(
            "Create what the database lacks: Autopack's tables, this project's tables, the dashboard "
            "indexes and the A/B validity guard. Decides from what the database holds, never drops or "
            "rewrites anything, and is safe to run twice. PostgreSQL indexes are built CONCURRENTLY."
        ),
    )
    add_db_url_argument(parser)
    parser.add_argument("--dry-run", action="store_true", help="print each step as applied or pending, with its SQL")
    parser.add_argument(
        "--lock-timeout-ms",
        type=int,
        default=2000,
        metavar="MS",
        help="PostgreSQL lock_timeout per attempt (default 2000)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Plan or apply the migrations and print one line per step."""
    from pytest_autopack.errors import UsageError
    from pytest_autopack.schema.engine import create_engine_for
    from pytest_autopack.schema.migrations import MigrationPolicy, StepResult, plan, upgrade
    from pytest_autopack.schema.probe import check_reachable

    if args.lock_timeout_ms < 1:
        raise UsageError(f"--lock-timeout-ms must be at least 1, got {args.lock_timeout_ms}")
    url = resolve_db_url(args)
    engine = create_engine_for(url)
    try:
        check_reachable(engine, url)
        print(f"database: {url} ({url.dialect})")
        if args.dry_run:
            results = plan(engine)
            for result in results:
                print(f"[{result.status}] {result.step_id}: {result.description}")
                for statement in result.sql:
                    print("    " + statement.replace("\n", "\n    ") + ";")
            pending = sum(r.status == "pending" for r in results)
            print(f"{pending} pending step(s), {len(results) - pending} applied (dry run: nothing was changed)")
            return 0

        def show(result: StepResult) -> None:
            note = f" ({result.note})" if result.note else ""
            print(f"[{result.status}] {result.step_id}: {result.description} {result.elapsed_ms:.0f} ms{note}")

        results = upgrade(engine, MigrationPolicy(lock_timeout_ms=args.lock_timeout_ms), on_step=show)
        done = sum(r.status in ("done", "kept") for r in results)
        print(f"{done} step(s) applied now, {len(results) - done} already in place")
        return 0
    finally:
        engine.dispose()
