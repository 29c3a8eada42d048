"""Names of the databases one pytest run creates, and how they are quoted.

Every name carries the run id as well as the worker id: two pytest invocations against the
same server (two developers, two CI jobs) must never clone into or drop each other's
databases, which a worker id alone (``gw0`` exists in every run) cannot guarantee.
Names are restricted to lower-case ASCII letters, digits and underscores so they need no
case folding, survive every platform's file names (SQLite) and fit PostgreSQL's
63-byte identifier limit, beyond which the server silently truncates.
"""

from __future__ import annotations

import re
import secrets

from pytest_autopack.errors import UsageError

PREFIX = "autopack"
TEMPLATE_SUFFIX = "tpl"
MAX_IDENTIFIER_BYTES = 63

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_RUN_ID = re.compile(r"[a-z0-9]{1,32}")
_WORKER_ID = re.compile(r"[a-z0-9]{1,16}")


def new_run_id() -> str:
    """Eight random hex digits: enough to tell concurrent runs apart, short enough to read."""
    return secrets.token_hex(4)


def validate_identifier(name: str) -> str:
    """Return ``name`` if it is a safe database name, else raise a one-line :class:`UsageError`."""
    if not _IDENTIFIER.fullmatch(name):
        raise UsageError(f"unsafe database name {name!r}: use lower-case letters, digits and '_'")
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise UsageError(f"database name {name!r} is longer than {MAX_IDENTIFIER_BYTES} bytes")
    return name


def quote_identifier(name: str) -> str:
    """Validate ``name`` and double-quote it for SQL (the quoting also guards reserved words)."""
    return '"' + validate_identifier(name).replace('"', '""') + '"'


def run_prefix(run_id: str) -> str:
    """``autopack_<runid>_``: the prefix shared by every database of one run (used to clean up)."""
    run = run_id.lower()
    if not _RUN_ID.fullmatch(run):
        raise UsageError(f"run id {run_id!r} must be 1-32 letters or digits")
    return f"{PREFIX}_{run}_"


def worker_database_name(run_id: str, worker_id: str | None) -> str:
    """``autopack_<runid>_<worker>``; ``worker_id`` is xdist's ``gw0``… or ``None``/``main`` without xdist."""
    worker = (worker_id or "main").lower()
    if worker == "master":  # the controller's id in old pytest-xdist releases
        worker = "main"
    if not _WORKER_ID.fullmatch(worker) or worker == TEMPLATE_SUFFIX:
        raise UsageError(f"worker id {worker_id!r} must be 1-16 letters or digits (e.g. gw0)")
    return validate_identifier(run_prefix(run_id) + worker)


def template_database_name(run_id: str) -> str:
    """``autopack_<runid>_tpl``: the migrated database every worker of the run is cloned from."""
    return validate_identifier(run_prefix(run_id) + TEMPLATE_SUFFIX)
