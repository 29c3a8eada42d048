"""Autopack schema lineages: build one in an empty database, fill it, fingerprint it.

The migration checks load a lineage (a DDL file as Autopack's own code or
migration scripts would have left it), copy real rows into it, migrate, and
prove every row survived. The built-in lineage is Autopack P12's ``create_all``
(our models without the indexes this project adds); more lineages are read from
a directory of ``*.sql`` files (``*_pg.sql`` ones are PostgreSQL).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

BUILTIN = "p12-orm (built in)"
_SESSION_SETTINGS = re.compile(r"^\s*(SET\s|SELECT\s+pg_catalog\.set_config)", re.I)


@dataclass(frozen=True)
class Lineage:
    """A named schema as DDL text for one dialect."""

    name: str
    dialect: str
    ddl: str


def builtin_lineage(dialect: str) -> Lineage:
    """Autopack P12 as its ORM creates it: our Autopack tables minus this project's indexes."""
    from sqlalchemy import create_mock_engine
    from sqlalchemy.schema import CreateIndex, CreateTable

    from pytest_autopack.schema.models import ADDED_TO_AUTOPACK_TABLES, AUTOPACK_TABLES, Base

    ours = {index.name for index in ADDED_TO_AUTOPACK_TABLES}
    statements: list[str] = []
    engine = create_mock_engine(f"{'postgresql+psycopg2' if dialect == 'postgresql' else 'sqlite'}://", lambda *a: None)
    if dialect == "postgresql":
        from pytest_autopack.schema.migrations import enum_type_statements

        statements.extend(enum_type_statements([Base.metadata.tables[t] for t in AUTOPACK_TABLES], existing=set()))
    for name in AUTOPACK_TABLES:
        table = Base.metadata.tables[name]
        statements.append(str(CreateTable(table).compile(dialect=engine.dialect)).strip())
        statements.extend(
            str(CreateIndex(index).compile(dialect=engine.dialect))
            for index in sorted(table.indexes, key=lambda i: i.name or "")
            if index.name not in ours
        )
    return Lineage(BUILTIN, dialect, ";\n".join(statements) + ";\n")


def lineages_in(directory: Path, dialect: str) -> list[Lineage]:
    """The DDL files of ``dialect`` in ``directory`` (``*_pg.sql`` are PostgreSQL, the rest SQLite)."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        file_dialect = "postgresql" if path.stem.endswith("_pg") else "sqlite"
        if file_dialect == dialect:
            found.append(Lineage(path.name, dialect, path.read_text(encoding="utf-8")))
    return found


def split_statements(ddl: str) -> list[str]:
    """Statements of a DDL file without comments and session settings (search_path stays ours)."""
    code = "\n".join(_strip_comment(line) for line in ddl.splitlines())
    statements = []
    for chunk in re.split(r";\s*(?:\n|$)", code):
        text = chunk.strip()
        if text and not _SESSION_SETTINGS.match(text):
            statements.append(text)
    return statements


def _strip_comment(line: str) -> str:
    """The line without a trailing ``--`` comment (a ``--`` inside a quoted string is kept)."""
    quoted = False
    for i, char in enumerate(line):
        if char == "'":
            quoted = not quoted
        elif not quoted and line.startswith("--", i):
            return line[:i].rstrip()
    return line


def load_lineage(engine: Engine, lineage: Lineage) -> None:
    """Create the lineage's schema in an empty database, in one transaction."""
    with engine.begin() as conn:
        for statement in split_statements(lineage.ddl):
            conn.exec_driver_sql(statement)


def copy_runs(source: Connection, target: Connection, run_ids: Sequence[str]) -> dict[str, int]:
    """Copy every Autopack row of ``run_ids`` from source to target (columns both have); rows per table."""
    from sqlalchemy import MetaData, Table, select

    from pytest_autopack.schema.models import AUTOPACK_TABLES

    copied: dict[str, int] = {}
    ids = list(run_ids)
    for name in AUTOPACK_TABLES:
        src = Table(name, MetaData(), autoload_with=source)
        dst = Table(name, MetaData(), autoload_with=target)
        columns = [c.name for c in src.columns if c.name in dst.columns]
        key = src.c.id if name == "runs" else src.c.treatment_run_id if name == "ab_test_results" else src.c.run_id
        query = select(*(src.c[c] for c in columns)).where(key.in_(ids)).order_by(src.c.id)
        if name == "ab_test_results":
            query = query.where(src.c.control_run_id.in_(ids))
        rows = [dict(row._mapping) for row in source.execute(query)]
        if rows:
            target.execute(dst.insert(), rows)
        copied[name] = len(rows)
    return copied


def fingerprints(conn: Connection, tables: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Per table: (row count, sha256 over every row in primary-key order). Equal fingerprints: same data."""
    from sqlalchemy import MetaData, Table, select

    result = {}
    for name in tables:
        table = Table(name, MetaData(), autoload_with=conn)
        digest = hashlib.sha256()
        count = 0
        order = list(table.primary_key.columns) or list(table.columns)
        for row in conn.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
            count += 1
        result[name] = (count, digest.hexdigest())
    return result
