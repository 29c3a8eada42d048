"""Do a costly build once per pytest run, whichever xdist worker gets there first.

The pytest-xdist recipe: a :class:`filelock.FileLock` in a directory every worker of the run
shares, plus a marker file written only after the build succeeded. The first worker builds
while the others wait on the lock; they then find the marker and reuse the result. A build
that raised leaves no marker, so the next worker tries again instead of cloning a
half-built template.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytest_autopack.errors import ProvisioningError

LOCK_TIMEOUT_S = 600.0


def build_once(lock_dir: Path, key: str, build: Callable[[], None], is_built: Callable[[], bool]) -> bool:
    """Run ``build`` unless this run already did; return ``True`` when this call built.

    ``is_built`` double-checks the marker against reality (the template database or file
    still exists), so a marker that outlived its template triggers a rebuild rather than
    a confusing clone failure.
    """
    from filelock import FileLock, Timeout

    lock_dir.mkdir(parents=True, exist_ok=True)
    marker = lock_dir / f"{key}.built"
    try:
        with FileLock(lock_dir / f"{key}.lock", timeout=LOCK_TIMEOUT_S):
            if marker.exists() and is_built():
                return False
            marker.unlink(missing_ok=True)
            build()
            marker.write_text(key + "\n", encoding="utf-8")
            return True
    except Timeout:
        raise ProvisioningError(
            f"waited {LOCK_TIMEOUT_S:.0f} s for another worker to build {key!r}; "
            f"remove {lock_dir / (key + '.lock')} if no other pytest is running"
        ) from None
