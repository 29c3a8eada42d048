"""Model-versus-database comparison with alembic's autogenerate, tolerant of newer lineages.

alembic reports every difference; a real Autopack database of a newer lineage
legitimately has extra columns, extra indexes and CASCADE foreign keys. What is
*not* tolerated: a table or column of ours that is missing, or a column whose type
is incompatible with the model's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

TOLERATED = frozenset(
    {
        "remove_table",  # tables of other features or lineages
        "remove_column",  # extra columns of newer lineages
        "remove_index",  # extra indexes, duplicates, other names
        "add_index",  # ours under another name: index coverage is checked by the migration checks
        "remove_fk",
        "add_fk",  # ON DELETE CASCADE in HEAD
        "remove_constraint",
        "add_constraint",
        "modify_default",  # server defaults of the migration-script lineage
        "modify_comment",
    }
)


def schema_differences(conn: Connection) -> list[str]:
    """Differences that make the database incompatible with the models, one line each."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from pytest_autopack.schema.models import Base

    context = MigrationContext.configure(conn, opts={"compare_type": _compatible_type})
    problems = []
    for diff in _flatten(compare_metadata(context, Base.metadata)):
        kind = diff[0]
        if kind in TOLERATED:
            continue
        if kind == "modify_nullable" and diff[5] is True and diff[6] is False:
            continue  # the database is stricter (NOT NULL) than the model: still compatible for readers
        problems.append(_describe(diff))
    return problems


def _flatten(diffs: list[Any]) -> list[tuple]:
    flat: list[tuple] = []
    for diff in diffs:
        if isinstance(diff, list):
            flat.extend(diff)
        else:
            flat.append(diff)
    return flat


def _compatible_type(
    context: Any, inspected: Any, metadata: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """True when the types differ in a way that matters, None to let alembic decide (its contract)."""
    from sqlalchemy import DateTime, Enum, String

    if isinstance(metadata_type, Enum) and isinstance(inspected_type, (Enum, String)):
        # Native enum on PostgreSQL, VARCHAR of any length on SQLite or in script-made databases.
        return False
    if isinstance(metadata_type, String) and isinstance(inspected_type, String):
        return False  # VARCHAR vs VARCHAR(255) vs TEXT: every value of ours fits
    if isinstance(metadata_type, DateTime) and isinstance(inspected_type, DateTime):
        return False  # DATETIME vs TIMESTAMP (script-made SQLite): same naive-UTC text
    return None  # alembic's default comparison


def _describe(diff: tuple) -> str:
    kind = diff[0]
    if kind == "add_table":
        return f"missing table {diff[1].name}"
    if kind == "add_column":
        return f"missing column {diff[2]}.{diff[3].name}"
    if kind == "modify_type":
        return f"incompatible type for {diff[2]}.{diff[3]}: database {diff[5]}, model {diff[6]}"
    if kind == "modify_nullable":
        return f"nullability differs for {diff[2]}.{diff[3]}: database nullable={diff[5]}, model nullable={diff[6]}"
    return f"{kind}: {diff[1:]!r}"
