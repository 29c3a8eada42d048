"""URL validation and masking; verdict rules and report writing."""

from __future__ import annotations

import json

import pytest

from pytest_autopack.errors import UsageError
from pytest_autopack.gate import CheckResult, apply_silences, build_report, contains_secret, verdict, write_reports
from pytest_autopack.urls import mask_url, parse_database_url


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty database URL"),
        ("localhost/db", "not a database URL"),
        ("mysql://h/db", "unsupported database scheme 'mysql'"),
        ("postgresql://u:pw@h:70000/db", "malformed PostgreSQL URL 'postgresql://u:\\*\\*\\*@h:70000/db'"),
        ("postgresql:///db", "PostgreSQL URL has no host"),
        ("postgresql://h", "PostgreSQL URL names no database"),
        ("sqlite:/relative.db", "not a database URL"),
    ],
)
def test_bad_urls(raw, message):
    with pytest.raises(UsageError, match=message) as info:
        parse_database_url(raw)
    assert "pw" not in str(info.value)


def test_good_urls_and_identity():
    pg = parse_database_url("postgres://gate:s3cret@db:5432/autopack")
    assert pg.dialect == "postgresql"
    assert pg.sqlalchemy_url.startswith("postgresql+psycopg2://gate:s3cret@")
    assert str(pg) == "postgres://gate:***@db:5432/autopack" and "s3cret" not in repr(pg)
    assert (
        len(pg.identity) == 12 and pg.identity == parse_database_url("postgres://gate:other@db:5432/autopack").identity
    )
    assert parse_database_url("sqlite:///autopack.db").dialect == "sqlite"


def test_mask_url_in_free_text():
    text = "could not connect to postgresql://a:b@h/d, then redis://:pw@r:6379"
    assert mask_url(text) == "could not connect to postgresql://a:***@h/d, then redis://:***@r:6379"


def check(outcome="passed", severity="blocker", check_id="c"):
    return CheckResult(id=check_id, title="t", category="schema", severity=severity, outcome=outcome)


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        ([check()], "GO"),
        ([check("failed", "warning")], "GO"),
        ([check("skipped")], "GO"),
        ([check("failed")], "NO-GO"),
        ([check("error")], "NO-GO"),  # could not be evaluated: fail closed
        ([check(), check("failed", "blocker", "b")], "NO-GO"),
    ],
)
def test_verdict(checks, expected):
    assert verdict(checks) == expected


def test_silenced_checks_do_not_vote_and_keep_the_reason():
    checks = apply_silences([check("failed", check_id="migrations.applied")], {"migrations.applied": "OPS-12 window"})
    assert checks[0].outcome == "silenced" and "OPS-12 window" in checks[0].detail
    assert verdict(checks) == "GO"


def test_reports_are_scrubbed(tmp_path):
    failing = check("failed")
    failing.detail = "cannot connect to postgresql://gate:hunter2@db/x with api_key=abcdef123456"
    report = build_report([failing], stage="staging", rollout_stage=0, target={"database": "x"},
                          started_at="2026-11-23T00:00:00+00:00", duration_s=1.0)  # fmt: skip
    json_path, md_path = write_reports(report, tmp_path / "out" / "gate.json")
    for path in (json_path, md_path):
        text = path.read_text()
        assert not contains_secret(text), text
        assert "hunter2" not in text and "abcdef123456" not in text
    data = json.loads(json_path.read_text())
    assert data["verdict"] == "NO-GO" and data["summary"]["blockers_failed"] == 1
    report_fields = {"id", "title", "category", "severity", "outcome", "detail", "stop_condition", "observed",
                     "threshold", "failing_count", "samples", "query", "elapsed_ms"}  # fmt: skip
    assert set(data["checks"][0]) >= report_fields
