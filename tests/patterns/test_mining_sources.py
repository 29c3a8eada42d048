"""Sources (JSONL, error-report files) and the mining orchestration: caught-filtering, records, JSON."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from expansion_data import ScratchDatabases, seeded

from pytest_autopack.errors import UsageError
from pytest_autopack.generators.emit import Targets, generate
from pytest_autopack.patterns.mining import CAUGHT_BY_PHASE6, ExpandOptions, analysis_json, analyze
from pytest_autopack.patterns.regexes import matches
from pytest_autopack.patterns.registry import load_registry
from pytest_autopack.patterns.sources import (
    FailureRecord,
    Loaded,
    iso_timestamp,
    read_database,
    read_error_reports,
    read_jsonl,
)
from pytest_autopack.urls import parse_database_url

SECRETS = ("sk-live-SECRETKEY1234567890", "hunter2-db-password", "Bearer eyJSECRETTOKEN")


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def timeouts(n, run="run-a"):
    return [
        FailureRecord(f"Phase timed out after {100 + i}s", run, f"phase-{i % 3}", f"2026-01-0{1 + i % 5}T10:00:00")
        for i in range(n)
    ]


def keyerrors(n, run="run-b"):
    return [FailureRecord(f"KeyError: 'field_{i}'", run, "phase-k", None) for i in range(n)]


# --- JSONL ------------------------------------------------------------------------------------


def test_jsonl_reads_messages_ids_and_times(tmp_path):
    path = write_jsonl(
        tmp_path / "f.jsonl",
        [
            {"message": "KeyError: 'x'", "run_id": "r1", "phase_id": "p1", "created_at": "2026-01-02 03:04:05"},
            {"message": "Phase timed out after 600s", "run_id": 7, "timestamp": "2026-01-02T03:04:05+02:00"},
        ],
    )
    path.write_text(path.read_text(encoding="utf-8") + "\n   \n", encoding="utf-8")  # blank lines are fine
    records = read_jsonl(path).records
    assert records == [
        FailureRecord("KeyError: 'x'", "r1", "p1", "2026-01-02T03:04:05", None, "input"),
        FailureRecord("Phase timed out after 600s", "7", None, "2026-01-02T01:04:05", None, "input"),
    ]
    assert [r.message for r in read_jsonl(path, run_id="7").records] == ["Phase timed out after 600s"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"message": "a"}\n{"message": "b"\n', r"f\.jsonl:2: malformed JSON line"),
        (b'{"message": "a"}\n\n[1, 2]\n', r"f\.jsonl:3: expected an object with a string 'message' field"),
        (b'{"msg": "a"}\n', r"f\.jsonl:1: expected an object"),
        (b'{"message": "a"}\n{"message": "\xff\xfe"}\n', r"f\.jsonl:2: line is not valid UTF-8"),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path, content, expected):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=expected) as info:
        read_jsonl(path)
    assert "\n" not in str(info.value)


def test_jsonl_error_does_not_echo_the_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text(f'{{"message": "password={SECRETS[1]}"\n', encoding="utf-8")
    with pytest.raises(UsageError) as info:
        read_jsonl(path)
    assert SECRETS[1] not in str(info.value)


def test_jsonl_missing_file(tmp_path):
    with pytest.raises(UsageError, match="--input: file not found"):
        read_jsonl(tmp_path / "absent.jsonl")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22 18:28:39.953542", "2026-11-22T18:28:39.953542"),
        ("2026-11-22 18:28:39", "2026-11-22T18:28:39"),
        ("2026-11-22T18:28:39Z", "2026-11-22T18:28:39"),
        ("not a date", None),
        (None, None),
    ],
)
def test_timestamps_are_normalised_to_naive_utc(value, expected):
    assert iso_timestamp(value) == expected


# --- error-report files -----------------------------------------------------------------------


def write_report(root, run_dir, name, **fields):
    report = {
        "timestamp": "2026-03-01T10:00:00+00:00",
        "error_type": "KeyError",
        "error_message": "'token'",
        "run_id": run_dir,
        "phase_id": "phase-1",
        "component": "executor",
        "operation": "apply_patch",
        "traceback": f"Traceback ...\n  api_key = '{SECRETS[0]}'\nKeyError: 'token'",
        "stack_frames": [
            {"filename": "x.py", "function": "f", "line_number": 3, "local_vars": {"password": repr(SECRETS[1])}}
        ],
        "context_data": {"headers": {"Authorization": SECRETS[2]}},
        "python_version": "3.11.7",
        "platform": "Linux",
    }
    report.update(fields)
    errors = root / run_dir / "errors"
    errors.mkdir(parents=True, exist_ok=True)
    (errors / name).write_text(json.dumps(report), encoding="utf-8")


def test_error_reports_are_read_in_time_order_without_secrets(tmp_path):
    write_report(tmp_path, "run-2", "20260301_100500_KeyError.json", timestamp="2026-03-01T10:05:00+00:00")
    write_report(tmp_path, "run-1", "20260301_100000_KeyError.json")
    write_report(
        tmp_path,
        "run-1",
        "20260301_110000_ModuleNotFoundError.json",
        timestamp="2026-03-01T11:00:00Z",
        error_type="ModuleNotFoundError",
        error_message="No module named 'yaml'",
        phase_id=None,
    )
    loaded = read_error_reports(tmp_path)
    assert [(r.run_id, r.message, r.created_at) for r in loaded.records] == [
        ("run-1", "KeyError: 'token'", "2026-03-01T10:00:00"),
        ("run-2", "KeyError: 'token'", "2026-03-01T10:05:00"),
        ("run-1", "ModuleNotFoundError: No module named 'yaml'", "2026-03-01T11:00:00"),
    ]
    assert loaded.records[0].error_class == "KeyError" and loaded.records[0].source == "error_report"
    assert not any(secret in repr(loaded) for secret in SECRETS)


def test_error_reports_fall_back_to_directory_run_id_and_skip_broken_files(tmp_path):
    write_report(tmp_path, "run-9", "a.json", run_id=None)
    (tmp_path / "run-9" / "errors" / "b.json").write_text("{truncated", encoding="utf-8")
    loaded = read_error_reports(tmp_path)
    assert [r.run_id for r in loaded.records] == ["run-9"]
    assert len(loaded.skipped) == 1 and "b.json" in loaded.skipped[0]


def test_error_reports_below_autonomous_runs(tmp_path):
    write_report(tmp_path / ".autonomous_runs", "run-1", "a.json")
    assert len(read_error_reports(tmp_path).records) == 1
    assert read_error_reports(tmp_path, run_id="other").records == []


def test_error_reports_missing_dir(tmp_path):
    with pytest.raises(UsageError, match="--errors-dir: directory not found"):
        read_error_reports(tmp_path / "absent")


def test_no_secret_from_error_reports_reaches_the_json(tmp_path):
    for i in range(4):
        write_report(tmp_path, f"run-{i}", f"{i}.json", error_message=f"'token_{i}'")
    analysis = analyze(
        read_error_reports(tmp_path),
        load_registry(entry_points=False),
        ExpandOptions(min_occurrences=1),
        source="error_reports",
    )
    text = json.dumps(analysis_json(analysis))
    assert analysis.reported and not any(secret in text for secret in SECRETS)


# --- mining orchestration ---------------------------------------------------------------------


def run(records, hardened=(), **options):
    return analyze(
        Loaded(list(records), set(hardened)), load_registry(entry_points=False), ExpandOptions(**options), source="test"
    )


def test_caught_messages_are_left_out_unless_included():
    records = [
        *timeouts(3),
        FailureRecord("ModuleNotFoundError: No module named 'yaml'", "run-a", "phase-x"),  # built-in detector
        FailureRecord("KeyError: 'token'", "run-h", "phase-h"),  # Phase 6 hardening triggered
        FailureRecord("HARDENING_MITIGATED: python_missing_dep", "run-a", "phase-y"),  # Autopack status code
    ]
    analysis = run(records, hardened={("run-h", "phase-h")}, min_occurrences=1)
    assert analysis.caught_by[3:] == ["python_missing_dep", CAUGHT_BY_PHASE6, "hardening_mitigated_status"]
    assert analysis.assignments[3:] == [None, None, None]
    assert len(set(analysis.assignments[:3])) == 1 and analysis.assignments[0] is not None
    document = analysis_json(analysis)
    assert document["meta"]["messages_caught"] == 3
    assert document["meta"]["caught_by"] == {
        CAUGHT_BY_PHASE6: 1,
        "hardening_mitigated_status": 1,
        "python_missing_dep": 1,
    }

    included = run(records, hardened={("run-h", "phase-h")}, include_caught=True, min_occurrences=1)
    assert None not in included.assignments


def test_pattern_record_fields():
    analysis = run([*timeouts(6), *keyerrors(3)])
    top, second = analysis.reported
    assert top.count == 6 and top.confidence == "high" and second.confidence == "medium"
    assert top.run_ids == ("run-a",) and top.phase_ids == ("phase-0", "phase-1", "phase-2")
    assert (top.first_seen, top.last_seen) == ("2026-01-01T10:00:00", "2026-01-05T10:00:00")
    assert len(top.samples) == 5 and top.samples[0] == "Phase timed out after 100s"
    assert re.fullmatch(r"timeout_error_[0-9a-f]{8}", top.id) and top.signature.startswith(top.id[-8:])
    assert second.error_class == "KeyError" and top.error_class is None
    assert top.regex is not None and top.regex.verified
    assert all(matches(top.regex.pattern, r.message) for r in timeouts(6))
    assert not any(matches(top.regex.pattern, r.message) for r in keyerrors(3))
    assert top.overlaps == () and second.overlaps == ()


def test_low_confidence_below_three():
    assert run(keyerrors(2), min_occurrences=1).reported[0].confidence == "low"


def test_ids_are_stable_across_inputs():
    alone = run(timeouts(4)).reported[0].id
    mixed = run([*keyerrors(9), *timeouts(4)]).reported[1].id
    assert alone == mixed


def test_thresholds_choose_what_is_reported_not_assignments():
    records = [*timeouts(6), *keyerrors(3), FailureRecord("Token budget exhausted: used 12 of 10")]
    analysis = run(records, min_occurrences=4, top=5)
    assert [p.count for p in analysis.reported] == [6]
    assert None not in analysis.assignments and len(set(analysis.assignments)) == 3
    document = analysis_json(analysis)
    assert set(document["templates"]) == set(analysis.assignments)
    assert run(records, min_occurrences=1, top=2).reported[1].count == 3


def test_json_keeps_autopacks_keys():
    document = analysis_json(run([*timeouts(5)], run_id="run-a"))
    assert {"generated_at", "run_id_filter", "min_occurrences", "total_patterns"} <= set(document["meta"])
    pattern = document["patterns"][0]
    assert list(pattern)[:13] == [
        "pattern_signature",
        "error_type",
        "error_message_sample",
        "occurrence_count",
        "run_ids",
        "phase_ids",
        "first_seen_at",
        "last_seen_at",
        "affected_models",
        "suggested_pattern_id",
        "confidence",
        "notes",
        "id",
    ]
    assert pattern["error_type"] == "timeout_error" and pattern["confidence"] == "high"
    assert pattern["first_seen_at"] == "2026-01-01T10:00:00"
    assert document["assignments"] == [pattern["id"]] * 5
    json.dumps(document)  # serialisable as is


def test_samples_mask_database_passwords():
    records = [
        FailureRecord(f"could not connect to postgresql://app:{SECRETS[1]}@db:5432/x (try {i})") for i in range(3)
    ]
    text = json.dumps(analysis_json(run(records)))
    assert SECRETS[1] not in text


# --- the database source, on SQLite and PostgreSQL --------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def databases(request, tmp_path_factory):
    dbs = ScratchDatabases(request.param, tmp_path_factory.mktemp(request.param))
    yield dbs
    dbs.close()


@pytest.fixture(scope="module")
def seeded_db(databases, tmp_path_factory):
    return seeded(databases, errors_dir=tmp_path_factory.mktemp("errors"))


def test_database_failure_text_is_read_once_per_failure(seeded_db):
    url, dataset = seeded_db
    loaded = read_database(url)
    assert Counter(r.message for r in loaded.records) == Counter(f.message for f in dataset.failures)
    assert {r.source for r in loaded.records} == {"dashboard_events.message"}  # finer text wins
    assert [r.created_at for r in loaded.records] == sorted(r.created_at for r in loaded.records)
    by_text = {(f.run_id, f.message): f for f in dataset.failures if f.source.startswith("dashboard")}
    for record in loaded.records:
        if (record.run_id, record.message) in by_text:
            assert record.error_class == by_text[record.run_id, record.message].error_type


def test_database_caught_failures_are_left_out(seeded_db):
    url, dataset = seeded_db
    analysis = run_loaded(read_database(url))
    caught = {(r.run_id, r.phase_id, r.message) for r, c in zip(analysis.records, analysis.caught_by, strict=True) if c}
    expected = {(f.run_id, f.phase_id, f.message) for f in dataset.failures if f.caught_by}
    assert expected and expected <= caught
    assert CAUGHT_BY_PHASE6 in analysis.caught_by


def test_database_run_filter(seeded_db):
    url, dataset = seeded_db
    run_id = dataset.failures[0].run_id
    loaded = read_database(url, run_id=run_id)
    assert loaded.records and {r.run_id for r in loaded.records} == {run_id}
    assert all(pair[0] == run_id for pair in loaded.hardened)


def test_dataset_secrets_never_reach_outputs(seeded_db, tmp_path):
    url, dataset = seeded_db
    for loaded in (read_database(url), read_error_reports(dataset.errors_dir)):
        analysis = run_loaded(loaded)
        text = json.dumps(analysis_json(analysis))
        generate(analysis.reported, analysis.patterns, Targets(tmp_path / "o", tmp_path / "t", tmp_path / "b"))
        written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file())
        assert dataset.planted_secrets and not any(s in text or s in written for s in dataset.planted_secrets)


def test_error_reports_of_the_dataset(seeded_db):
    _, dataset = seeded_db
    loaded = read_error_reports(dataset.errors_dir)
    assert len(loaded.records) == dataset.error_report_files and not loaded.skipped
    assert {r.run_id for r in loaded.records} <= {f.run_id for f in dataset.failures}


def test_unmigrated_autopack_database(databases, seeded_db):
    """A real P12 database (no dashboard_events): status codes and run failure reasons are mined."""
    from sqlalchemy import text

    from pytest_autopack.schema.engine import create_engine_for
    from pytest_autopack.schema.lineages import builtin_lineage, copy_runs, load_lineage

    source_url, dataset = seeded_db
    target_url = databases.new()
    source, target = create_engine_for(source_url), create_engine_for(target_url)
    try:
        load_lineage(target, builtin_lineage(databases.dialect))
        run_ids = sorted({f.run_id for f in dataset.failures})
        with source.connect() as src, target.begin() as dst:
            copy_runs(src, dst, run_ids)
        with target.connect() as conn:
            assert "dashboard_events" not in {r[0] for r in conn.execute(text(_tables_sql(databases.dialect)))}
    finally:
        source.dispose()
        target.dispose()
    loaded = read_database(target_url)
    sources = Counter(r.source for r in loaded.records)
    assert sources["phases.last_failure_reason"] > 0 and sources["runs.failure_reason"] > 0
    analysis = run_loaded(loaded)
    statuses = [r.message for r, c in zip(analysis.records, analysis.caught_by, strict=True) if c]
    assert any(m.startswith("HARDENING_MITIGATED") for m in statuses)
    assert any(
        t.startswith("EXCEPTION") or t == "MAX_ATTEMPTS_EXHAUSTED" for t in (p.template for p in analysis.patterns)
    )


def _tables_sql(dialect):
    if dialect == "sqlite":
        return "SELECT name FROM sqlite_master WHERE type = 'table'"
    return "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"


def test_unreadable_database_is_a_one_line_error(tmp_path):
    url = parse_database_url(f"sqlite:///{(tmp_path / 'no' / 'such' / 'dir' / 'x.db').as_posix()}")
    with pytest.raises(UsageError, match="cannot read failures from the database: OperationalError") as info:
        read_database(url)
    assert "\n" not in str(info.value)


def run_loaded(loaded):
    return analyze(loaded, load_registry(entry_points=False), ExpandOptions(min_occurrences=1), source="db")


def test_credentials_inside_messages_never_reach_samples_or_generated_files(tmp_path):
    keys = ["sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "hunter2-pw"]
    records = [
        FailureRecord(f"openai.AuthenticationError: Incorrect API key provided: {keys[0]} (attempt {i})")
        for i in range(3)
    ] + [
        FailureRecord(f"fatal: could not read from https://{keys[1]}@github.com/o/r{i}.git; password={keys[2]}")
        for i in range(3)
    ]
    analysis = run(records)
    generate(analysis.reported, analysis.patterns, Targets(tmp_path / "o", tmp_path / "t", tmp_path / "b"))
    written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file())
    text = json.dumps(analysis_json(analysis))
    assert len(analysis.reported) == 2 and not any(k in text or k in written for k in keys)
    assert "Incorrect API key provided: sk-***" in text


def test_short_samples_are_preferred():
    huge = FailureRecord("KeyError: '" + "x" * 10_000 + "'", "run-b", "phase-k")
    (pattern,) = run([huge, *keyerrors(3)], min_occurrences=1).reported
    assert pattern.count == 4 and pattern.samples[0] == "KeyError: 'field_0'" and len(pattern.samples) == 3


def test_templates_differing_only_in_a_credential_are_one_pattern():
    records = [FailureRecord(f"login failed: password={pw} rejected") for pw in ("hunter2-aaa", "zebra-99-bbb")] * 2
    (pattern,) = run(records, min_occurrences=1).reported
    assert pattern.count == 4 and pattern.template == "login failed: password=<SECRET> rejected"
    assert pattern.regex is not None and pattern.regex.verified
