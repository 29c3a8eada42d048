"""Reachability check that turns a driver's multi-line failure into one masked line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autopack.errors import UsageError
from pytest_autopack.urls import DatabaseURL, mask_url

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
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        raise UsageError(f"cannot connect to {url}: {mask_url(reason[0]) if reason else type(exc).__name__}") from None
    return (time.perf_counter() - started) * 1000
