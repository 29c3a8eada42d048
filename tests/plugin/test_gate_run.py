"""`pytest --autopack-stage=…` end to end: collection, verdict, exit code, reports, xdist."""

from __future__ import annotations

import json
import sqlite3

import pytest


def test_staging_on_embedded_default_is_go(autopack_pytester):
    result = autopack_pytester.runpytest("--autopack-stage=staging")
    result.stdout.fnmatch_lines(["*autopack-gate/migrations*", "autopack gate verdict: GO (stage staging*9 passed*"])
    assert result.ret == 0


def test_unmigrated_target_is_no_go_with_reason_and_report(autopack_pytester, tmp_path):
    target = tmp_path / "legacy.db"
    sqlite3.connect(target).executescript("CREATE TABLE runs (id VARCHAR PRIMARY KEY);").close()
    report = tmp_path / "gate.json"
    result = autopack_pytester.runpytest(
        "--autopack-stage=production", f"--autopack-db-url=sqlite:///{target.as_posix()}", f"--autopack-report={report}"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "autopack gate verdict: NO-GO (stage production*",
            "*[[]blocker[]] migrations.applied: failed: *migration step(s) pending*",
            "*stop condition: every migration step is applied on the target",
        ]
    )
    data = json.loads(report.read_text())
    assert data["verdict"] == "NO-GO" and data["stage"] == "production"
    outcomes = {c["id"]: c["outcome"] for c in data["checks"]}
    assert outcomes["migrations.applied"] == "failed"
    assert outcomes["migrations.idempotent"] == "skipped"  # writes scratch databases: not in production
    assert report.with_suffix(".md").read_text().startswith("# Autopack rollout gate: **NO-GO**")
    # production wrote nothing: the target still has only its one table
    assert [r[0] for r in sqlite3.connect(target).execute("SELECT name FROM sqlite_master WHERE type='table'")] == [
        "runs"
    ]


def test_silenced_blocker_does_not_vote(autopack_pytester, tmp_path):
    target = tmp_path / "legacy.db"
    sqlite3.connect(target).executescript("CREATE TABLE runs (id VARCHAR PRIMARY KEY);").close()
    silenced = [
        f"--autopack-silence={cid}:migration window OPS-7"
        for cid in (
            "migrations.applied",
            "migrations.indexes_valid",
            "schema.matches_models",
            "migrations.query_plans",
            "migrations.ab_guard",
        )  # fmt: skip
    ]
    result = autopack_pytester.runpytest(
        "--autopack-stage=production", f"--autopack-db-url=sqlite:///{target}", *silenced
    )
    result.stdout.fnmatch_lines(["autopack gate verdict: GO (stage production*5 silenced"])


def test_user_gate_checks_join_and_paths_keep_other_tests(autopack_pytester):
    autopack_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.autopack_gate(check_id="team.custom", severity="warning")
        def test_custom_check():
            assert False, "team rule violated"

        def test_ordinary():
            pass
        """
    )
    result = autopack_pytester.runpytest("--autopack-stage=dev", "-v")
    result.stdout.fnmatch_lines(["autopack gate verdict: GO (stage dev*1 failed*", "*[[]warning[]] team.custom*"])
    assert "test_ordinary" not in result.stdout.str()  # no path arguments: only gate checks
    result = autopack_pytester.runpytest("--autopack-stage=dev", "-v", ".")
    result.stdout.fnmatch_lines(["*test_ordinary PASSED*"])


def test_xdist_verdict_once_on_controller(autopack_pytester, tmp_path):
    report = tmp_path / "gate.json"
    result = autopack_pytester.runpytest_subprocess(
        "--autopack-stage=staging", "-n", "2", f"--autopack-report={report}"
    )
    assert result.ret == 0
    assert result.stdout.str().count("autopack gate verdict: GO") == 1
    assert len(json.loads(report.read_text())["checks"]) == 9


def test_junit_has_one_testcase_per_check(autopack_pytester, tmp_path):
    junit = tmp_path / "junit.xml"
    autopack_pytester.runpytest("--autopack-stage=staging", f"--junitxml={junit}")
    assert junit.read_text().count("<testcase ") == 9


def test_unreachable_target_fails_closed_with_one_line(autopack_pytester):
    result = autopack_pytester.runpytest(
        "--autopack-stage=production", "--autopack-db-url=postgresql://gate:hunter2@127.0.0.1:1/autopack"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "autopack gate verdict: NO-GO*",
            "*[[]blocker[]] migrations.applied: error: target database unreachable: cannot connect to "
            "postgresql://gate:***@127.0.0.1:1/autopack: *Connection refused",
        ]
    )
    assert "hunter2" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str()
