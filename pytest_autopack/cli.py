"""The ``autopack`` command: parses arguments and hands each subcommand to its module.

User mistakes end as one line on stderr and exit code 2; nothing here prints a
traceback for them, and no database URL is printed with its password.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pytest_autopack import __version__
from pytest_autopack.errors import AutopackError
from pytest_autopack.urls import mask_url

SUBCOMMAND_MODULES = (
    "migrate",
    "seed",
    "patterns",
    "flags",
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, one subparser per module in :data:`SUBCOMMAND_MODULES`."""
    parser = argparse.ArgumentParser(
        prog="autopack",
        description="Operate an Autopack control-plane database: migrate, seed, mine failure patterns, check flags.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"pytest_autopack.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AutopackError as exc:
        print(f"autopack {args.command}: error: {mask_url(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (``| head``) went away: not an error of ours, and nothing left to say.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"autopack {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
