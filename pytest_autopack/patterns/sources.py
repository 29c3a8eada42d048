"""Where failure text comes from: a JSON-lines file, Autopack error-report files, or the database.

Every reader returns :class:`FailureRecord` objects in a deterministic order. Error-report files
are read for five keys only (``error_type``, ``error_message``, ``run_id``, ``phase_id``,
``timestamp``): their ``traceback``, ``stack_frames`` (with ``local_vars``) and ``context_data``
can hold secrets, so they are never copied into a record and can never reach any output.
The database reader uses SQLAlchemy Core and reads columns by name, so every Autopack lineage
(ORM-built, migration-script-built, ours) works, and a table that is absent is simply skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pytest_autopack.errors import UsageError
from pytest_autopack.urls import DatabaseURL, error_line

ERROR_REPORT_KEYS = ("timestamp", "error_type", "error_message", "run_id", "phase_id")
FAILURE_EVENT_WORDS = ("fail", "error", "exception", "crash")


@dataclass(frozen=True)
class FailureRecord:
    """One failure message with where and when it happened."""

    message: str
    run_id: str | None = None
    phase_id: str | None = None
    created_at: str | None = None
    error_class: str | None = None
    source: str = "input"


@dataclass
class Loaded:
    """The records of one source, the (run, phase) pairs Phase 6 already hardened, skipped inputs."""

    records: list[FailureRecord]
    hardened: set[tuple[str, str]] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)


def iso_timestamp(value: Any) -> str | None:
    """Naive-UTC ISO-8601 text from a datetime or text (SQLite stores both with and without µs)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat()


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def read_jsonl(path: Path, run_id: str | None = None) -> Loaded:
    """Records from a JSON-lines file with a ``message`` field; a bad line is an error naming its number."""
    if not path.is_file():
        raise UsageError(f"--input: file not found: {path}")
    records = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise UsageError(f"{path}:{number}: line is not valid UTF-8") from None
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path}:{number}: malformed JSON line ({exc.msg} at column {exc.colno})") from None
            if not isinstance(row, dict) or not isinstance(row.get("message"), str):
                raise UsageError(f"{path}:{number}: expected an object with a string 'message' field")
            record = FailureRecord(
                message=row["message"],
                run_id=_text(row.get("run_id")),
                phase_id=_text(row.get("phase_id")),
                created_at=iso_timestamp(row.get("created_at") or row.get("timestamp")),
                error_class=_text(row.get("error_type")),
                source="input",
            )
            if run_id is None or record.run_id == run_id:
                records.append(record)
    return Loaded(records)


def _report_files(directory: Path) -> list[Path]:
    files = sorted(directory.glob("*/errors/*.json"))
    nested = directory / ".autonomous_runs"
    if not files and nested.is_dir():
        files = sorted(nested.glob("*/errors/*.json"))
    return files


def read_error_reports(directory: Path, run_id: str | None = None) -> Loaded:
    """Records from ``<DIR>/<run_id>/errors/*.json`` (Autopack's error reporter), oldest first."""
    if not directory.is_dir():
        raise UsageError(f"--errors-dir: directory not found: {directory}")
    loaded = Loaded([])
    keyed = []
    for path in _report_files(directory):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            loaded.skipped.append(f"{path}: unreadable error report ({type(exc).__name__})")
            continue
        if not isinstance(data, dict):
            loaded.skipped.append(f"{path}: not an error report object")
            continue
        report = {key: data.get(key) for key in ERROR_REPORT_KEYS}  # nothing else leaves this loop
        message, error_type = _text(report["error_message"]), _text(report["error_type"])
        if message is None and error_type is None:
            loaded.skipped.append(f"{path}: no error_type or error_message")
            continue
        if error_type and not (message or "").startswith(error_type):
            message = f"{error_type}: {message}" if message else error_type
        record = FailureRecord(
            message=message or "",
            run_id=_text(report["run_id"]) or path.parent.parent.name,
            phase_id=_text(report["phase_id"]),
            created_at=iso_timestamp(report["timestamp"]),
            error_class=error_type,
            source="error_report",
        )
        if run_id is None or record.run_id == run_id:
            keyed.append((record.created_at or "", str(path.relative_to(directory)), record))
    loaded.records = [record for _, _, record in sorted(keyed, key=lambda item: item[:2])]
    return loaded


def read_database(url: DatabaseURL, run_id: str | None = None) -> Loaded:
    """Failure text from dashboard failure events, ``runs.failure_reason`` and ``phases.last_failure_reason``.

    The finest text wins: a run's ``failure_reason`` repeated by a ``run_failed`` event is read
    once, and a phase's status code (``MAX_ATTEMPTS_EXHAUSTED``, ``EXCEPTION: TypeError``, ...) is
    read only for phases without failure events, which is every phase of an unmigrated Autopack
    database (no ``dashboard_events`` table: that source is skipped).
    """
    from sqlalchemy import inspect

    from pytest_autopack.schema.engine import create_engine_for

    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            tables = {name: {c["name"] for c in inspector.get_columns(name)} for name in inspector.get_table_names()}
            keyed = _database_rows(conn, tables, run_id)
            hardened = set(_hardened(conn, tables, run_id))
    except UsageError:
        raise
    except Exception as exc:
        reason = f"{type(exc).__name__}: {error_line(exc, url)}"
        raise UsageError(f"cannot read failures from the database: {reason}") from None
    finally:
        engine.dispose()
    keyed.sort(key=lambda item: item[:3])
    return Loaded([record for *_, record in keyed], hardened)


def _pick(columns: set[str], *names: str) -> list[str]:
    return [name for name in names if name in columns]


def _payload_error_type(payload: Any) -> str | None:
    """Only ``error_type`` is read from an event payload; anything else in it is never copied."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    return _text(payload.get("error_type")) if isinstance(payload, dict) else None


@dataclass(frozen=True)
class _Source:
    table: str
    message: str
    run: str
    phase: str | None
    times: tuple[str, ...]
    order: int


_SOURCES = (
    _Source("dashboard_events", "message", "run_id", "phase_id", ("created_at",), 0),
    _Source("runs", "failure_reason", "id", None, ("completed_at", "updated_at", "created_at"), 1),
    _Source(
        "phases",
        "last_failure_reason",
        "run_id",
        "phase_id",
        ("completed_at", "last_attempt_timestamp", "updated_at"),
        2,
    ),
)


def _database_rows(conn: Any, tables: dict[str, set[str]], run_id: str | None) -> list[tuple]:
    keyed: list[tuple] = []
    event_texts: set[tuple[str | None, str]] = set()
    event_phases: set[tuple[str | None, str | None]] = set()
    for source in _SOURCES:
        columns = tables.get(source.table)
        if columns is None or not {source.message, source.run} <= columns:
            continue  # e.g. an unmigrated Autopack database has no dashboard_events
        for stamp, tiebreak, record in _read_source(conn, source, columns, run_id):
            if source.table == "runs" and (record.run_id, record.message) in event_texts:
                continue
            if source.table == "phases" and (record.run_id, record.phase_id) in event_phases:
                continue
            if source.table == "dashboard_events":
                event_texts.add((record.run_id, record.message))
                event_phases.add((record.run_id, record.phase_id))
            keyed.append((stamp, source.order, tiebreak, record))
    return keyed


def _read_source(conn: Any, source: _Source, columns: set[str], run_id: str | None) -> Iterator[tuple]:
    from sqlalchemy import column, func, or_, select, table

    phase = [source.phase] if source.phase and source.phase in columns else []
    times = _pick(columns, *source.times)
    extra = _pick(columns, "payload") if source.table == "dashboard_events" else []
    wanted = list(dict.fromkeys([source.message, source.run, *phase, *times, *_pick(columns, "id"), *extra]))
    rows = table(source.table, *(column(c) for c in [*wanted, *_pick(columns, "event_type")]))
    query = select(*(rows.c[c] for c in wanted))
    query = query.where(rows.c[source.message].is_not(None), rows.c[source.message] != "")
    if source.table == "dashboard_events" and "event_type" in columns:
        event = func.lower(rows.c.event_type)
        query = query.where(or_(*(event.like(f"%{word}%") for word in FAILURE_EVENT_WORDS)))
    if run_id is not None:
        query = query.where(rows.c[source.run] == run_id)
    for row in conn.execute(query).mappings():
        stamp = next((iso_timestamp(row[c]) for c in times if row[c] is not None), None)
        record = FailureRecord(
            message=str(row[source.message]),
            run_id=_text(row[source.run]),
            phase_id=_text(row[phase[0]]) if phase else None,
            created_at=stamp,
            error_class=_payload_error_type(row["payload"]) if extra else None,
            source=f"{source.table}.{source.message}",
        )
        tiebreak = str(row["id"] if "id" in row else row[source.run])
        yield (stamp or "", tiebreak.zfill(20), record)


def _hardened(conn: Any, tables: dict[str, set[str]], run_id: str | None) -> Iterator[tuple[str, str]]:
    from sqlalchemy import column, select, table

    columns = tables.get("phase6_metrics")
    if not columns or not {"run_id", "phase_id", "failure_hardening_triggered"} <= columns:
        return
    metrics = table("phase6_metrics", column("run_id"), column("phase_id"), column("failure_hardening_triggered"))
    query = select(metrics)
    if run_id is not None:
        query = query.where(metrics.c.run_id == run_id)
    for row in conn.execute(query):
        if row.failure_hardening_triggered:  # 0/1 on SQLite, boolean on PostgreSQL: test in Python
            yield (str(row.run_id), str(row.phase_id))
