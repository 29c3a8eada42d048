"""What a database actually holds: tables, columns, indexes, guards and query plans, per dialect.

Migrations decide what is applied from these answers, never from a version table,
so that a real Autopack database of any lineage is judged by what it contains.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class IndexInfo:
    """An index as the catalog reports it; ``valid``/``ready`` are always true on SQLite."""

    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool
    valid: bool = True
    ready: bool = True

    def covers(self, wanted: Sequence[str]) -> bool:
        """True when ``wanted`` are this index's leading columns, so it serves the same lookups."""
        return self.columns[: len(wanted)] == tuple(wanted)


def table_names(conn: Connection) -> set[str]:
    """Names of the user tables (public schema on PostgreSQL)."""
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())


def column_names(conn: Connection, table: str) -> list[str]:
    """Column names of ``table`` in catalog order."""
    from sqlalchemy import inspect

    return [c["name"] for c in inspect(conn).get_columns(table)]


def list_indexes(conn: Connection, table: str) -> list[IndexInfo]:
    """Every index of ``table``, including those behind primary keys and unique constraints."""
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT i.relname, ix.indisunique, ix.indisvalid, ix.indisready, "
                "array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) "
                "      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum "
                "      ORDER BY k.ord) AS cols "
                "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid "
                "JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE t.relname = :table AND n.nspname = current_schema() ORDER BY i.relname"
            ),
            {"table": table},
        )
        return [IndexInfo(r[0], table, tuple(r[4]), bool(r[1]), bool(r[2]), bool(r[3])) for r in rows]
    quoted = _sqlite_ident(table)
    result = []
    for row in conn.exec_driver_sql(f"PRAGMA index_list({quoted})").fetchall():
        name, unique = row[1], bool(row[2])
        cols = tuple(r[2] for r in conn.exec_driver_sql(f"PRAGMA index_info({_sqlite_ident(name)})"))
        result.append(IndexInfo(name, table, cols, unique))
    return sorted(result, key=lambda i: i.name)


def find_covering_index(conn: Connection, table: str, columns: Sequence[str]) -> IndexInfo | None:
    """A valid index whose leading columns are ``columns``, whatever its name."""
    for index in list_indexes(conn, table):
        if index.covers(columns) and index.valid and index.ready:
            return index
    return None


def check_constraint_state(conn: Connection, table: str, name: str) -> tuple[bool, bool]:
    """PostgreSQL: (exists, validated) for a CHECK constraint."""
    from sqlalchemy import text

    row = conn.execute(
        text(
            "SELECT c.convalidated FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE t.relname = :table AND c.conname = :name AND n.nspname = current_schema()"
        ),
        {"table": table, "name": name},
    ).first()
    return (row is not None, bool(row[0]) if row is not None else False)


def sqlite_triggers(conn: Connection, table: str) -> dict[str, str]:
    """SQLite: trigger name → its SQL, for ``table``."""
    from sqlalchemy import text

    rows = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table}
    )
    return {r[0]: r[1] for r in rows}


def schema_snapshot(conn: Connection) -> dict[str, Any]:
    """A comparable picture of the whole schema: columns, indexes with validity, constraints, triggers."""
    from sqlalchemy import inspect, text

    inspector = inspect(conn)
    snapshot: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        entry: dict[str, Any] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "indexes": [(i.name, i.columns, i.unique, i.valid, i.ready) for i in list_indexes(conn, table)],
        }
        if conn.dialect.name == "postgresql":
            entry["constraints"] = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT c.conname, c.contype, c.convalidated FROM pg_constraint c "
                        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                        "WHERE t.relname = :t AND n.nspname = current_schema() ORDER BY c.conname"
                    ),
                    {"t": table},
                )
            ]
        else:
            entry["triggers"] = sorted(sqlite_triggers(conn, table).items())
        snapshot[table] = entry
    return snapshot


@dataclass(frozen=True)
class QueryPlan:
    """A query plan reduced to what checks need: the indexes used and the full text."""

    indexes: frozenset[str]
    seq_scans: frozenset[str]
    text: str


def explain(conn: Connection, sql: str, params: Mapping[str, Any] | None = None) -> QueryPlan:
    """The plan the database would use for ``sql`` (SQLite EXPLAIN QUERY PLAN, PostgreSQL JSON)."""
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        raw = conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), dict(params or {})).scalar_one()
        plan = raw if isinstance(raw, list) else json.loads(raw)
        indexes: set[str] = set()
        seq: set[str] = set()
        _walk_pg_plan(plan[0]["Plan"], indexes, seq)
        return QueryPlan(frozenset(indexes), frozenset(seq), json.dumps(plan, indent=1))
    rows = conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), dict(params or {})).fetchall()
    details = [str(r[-1]) for r in rows]
    indexes = set()
    seq = set()
    for detail in details:
        words = detail.split()
        if "INDEX" in words:
            indexes.add(words[words.index("INDEX") + 1])
        if words[:1] == ["SCAN"] and "INDEX" not in words:
            seq.add(words[1])
    return QueryPlan(frozenset(indexes), frozenset(seq), "\n".join(details))


def _walk_pg_plan(node: Mapping[str, Any], indexes: set[str], seq: set[str]) -> None:
    if "Index Name" in node:
        indexes.add(node["Index Name"])
    if node.get("Node Type") == "Seq Scan":
        seq.add(node.get("Relation Name", "?"))
    for child in node.get("Plans", []):
        _walk_pg_plan(child, indexes, seq)


def _sqlite_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
