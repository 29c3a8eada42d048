"""SQLite databases for the run: in-memory, files, and per-worker copies of a migrated template file.

In memory we use a *named* database of SQLite's ``memdb`` VFS (``file:/<name>?vfs=memdb``)
rather than ``sqlite://`` with a ``StaticPool``: a StaticPool shares one connection inside
one engine, but the in-process reference app builds its own engine from the URL and would
see a different, empty database. A memdb name that starts with ``/`` is one database for
every connection of the process, whichever engine or thread opened it. A reader there
waits (up to the busy timeout) for a writer's transaction to end, where the older
``cache=shared`` mode fails at once with ``database table is locked``; reading *during* a
write transaction needs a file database in WAL mode, which is why files stay the default.
It lives while at least one connection is open, so :class:`SqliteMemory` holds one open
for as long as it is needed.

On SQLite, a per-worker clone is a file copy of a template built once under the run's lock.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_autopack.backends.naming import validate_identifier
from pytest_autopack.backends.once import build_once
from pytest_autopack.errors import ProvisioningError
from pytest_autopack.schema.engine import create_engine_for
from pytest_autopack.urls import DatabaseURL

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SUFFIX = ".sqlite3"
MEMDB_SINCE = (3, 36, 0)
_SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_file_url(path: Path) -> DatabaseURL:
    """``sqlite:///`` + the absolute path with forward slashes (also on Windows: ``sqlite:///C:/…``)."""
    return DatabaseURL(raw="sqlite:///" + path.resolve().as_posix(), dialect="sqlite")


def _memdb_uri(name: str) -> str:
    """The SQLite URI of the process-wide in-memory database ``name`` (memdb needs SQLite 3.36)."""
    if sqlite3.sqlite_version_info < MEMDB_SINCE:
        raise ProvisioningError(
            f"a shared in-memory SQLite database needs SQLite >= 3.36 (this Python has {sqlite3.sqlite_version});"
            " use a file database"
        )
    return f"file:/{validate_identifier(name)}?vfs=memdb"


def sqlite_memory_url(name: str) -> DatabaseURL:
    """The URL of the in-memory database ``name`` shared by the whole process (see the module docstring)."""
    return DatabaseURL(raw=f"sqlite:///{_memdb_uri(name)}&uri=true", dialect="sqlite")


class SqliteMemory:
    """A named in-memory database kept alive by one open connection until :meth:`close`."""

    def __init__(self, name: str) -> None:
        self.url = sqlite_memory_url(name)
        self._keeper: sqlite3.Connection | None = sqlite3.connect(_memdb_uri(name), uri=True, check_same_thread=False)

    def close(self) -> None:
        """Close the keeper connection: the database vanishes once engines have closed theirs too."""
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None

    def __enter__(self) -> SqliteMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def database_path(directory: Path, name: str) -> Path:
    """Where database ``name`` lives in ``directory``."""
    return directory / f"{validate_identifier(name)}{SUFFIX}"


def drop_sqlite_database(path: Path) -> bool:
    """Delete a database file with its WAL/SHM/journal; ``False`` when there was nothing to delete.

    A stale ``-wal`` next to a fresh copy would be replayed into it, so side files go too.
    """
    existed = path.exists()
    for candidate in (path, *(path.with_name(path.name + side) for side in _SIDE_FILES)):
        candidate.unlink(missing_ok=True)
    return existed


def ensure_sqlite_template(
    directory: Path, template_name: str, prepare: Callable[[Engine], None], lock_dir: Path | None = None
) -> Path:
    """Build the template file once per run (under the run's lock) and return its path.

    ``lock_dir`` defaults to ``directory``, which then must be shared by all workers. The
    journal is switched back to DELETE after ``prepare``, folding any WAL into the main file
    so that copying that one file copies the whole database.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = database_path(directory, template_name)

    def build() -> None:
        drop_sqlite_database(path)
        engine = create_engine_for(sqlite_file_url(path))
        try:
            prepare(engine)
        except BaseException:
            engine.dispose()
            drop_sqlite_database(path)
            raise
        engine.dispose()
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=DELETE")
        connection.close()

    build_once(lock_dir or directory, template_name, build, path.exists)
    return path


def clone_sqlite_for_worker(template: Path, directory: Path, database_name: str) -> DatabaseURL:
    """Copy the template to ``database_name`` in ``directory`` and return its URL.

    The copy is written under a temporary name and renamed, so a reader never sees half a file.
    """
    target = database_path(directory, database_name)
    drop_sqlite_database(target)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(template, partial)
    partial.replace(target)
    return sqlite_file_url(target)
