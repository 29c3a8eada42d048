"""Reachability check that turns a driver's multi-line failure into one masked line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autopack.errors import UsageError
from pytest_autopack.urls import DatabaseURL, error_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def check_reachable(engine: Engine, url: DatabaseURL) -> float:
    """Open a connection and run ``SELECT 1``; returns the round trip in ms, raises :class:`UsageError`."""
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        raise UsageError(f"cannot connect to {url}: {error_line(exc, url)}") from None
    return (time.perf_counter() - started) * 1000
