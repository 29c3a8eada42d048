"""Argument helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import os
import sys

from pytest_autopack.urls import DatabaseURL, parse_database_url

DEFAULT_DB_URL = "sqlite:///autopack.db"


def add_db_url_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--db-url`` with Autopack's own default resolution (flag > DATABASE_URL > ./autopack.db)."""
    parser.add_argument(
        "--db-url",
        metavar="URL",
        default=None,
        help="database to use (default: $DATABASE_URL, else sqlite:///autopack.db in the current directory)",
    )


def resolve_db_url(args: argparse.Namespace) -> DatabaseURL:
    """The validated target database of a command."""
    if args.db_url is not None:
        return parse_database_url(args.db_url, source="--db-url")
    env = os.environ.get("DATABASE_URL")
    if env:
        return parse_database_url(env, source="DATABASE_URL")
    return parse_database_url(DEFAULT_DB_URL, source="default")


def progress_line(label: str, done: int, total: int | None) -> None:
    """Rewrite one status line on stderr; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return
    shown = f"{done}/{total}" if total else str(done)
    end = "\n" if total and done >= total else ""
    sys.stderr.write(f"\r{label}: {shown}{end}")
    sys.stderr.flush()
