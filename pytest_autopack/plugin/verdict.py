"""Turn gate items' outcomes into the GO / NO-GO verdict, once, on the controller.

Each gate item carries its check metadata in ``user_properties``; pytest copies
those into every report, and pytest-xdist forwards workers' reports to the
controller's ``pytest_runtest_logreport``, so the controller sees every check
without a side channel. Reports are written only there. A worker that crashed
makes the verdict NO-GO.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from pytest_autopack.plugin.collect import is_gate_item
from pytest_autopack.plugin.keys import SETTINGS_KEY

CHECK_PROPERTY = "autopack_check"
_STATE_KEY = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    """Start the clock and the result table (controller and workers alike)."""
    config.stash[_STATE_KEY] = {
        "results": {},
        "started": time.time(),
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "crashed": [],
    }
    if config.stash[SETTINGS_KEY].stage is not None:
        config.pluginmanager.register(GateRecorder(config), "autopack-gate-recorder")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Attach each gate item's check metadata to its reports."""
    if config.stash[SETTINGS_KEY].stage is None:
        return
    for item in items:
        if is_gate_item(item):
            item.user_properties.append((CHECK_PROPERTY, json.dumps(_describe(item))))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip checks that do not apply to this stage, with the reason."""
    marker = item.get_closest_marker("autopack_gate")
    stage = item.config.stash[SETTINGS_KEY].stage
    if stage is None or marker is None:
        return
    stages = marker.kwargs.get("stages") or marker.kwargs.get("stage")
    if stages and stage not in ((stages,) if isinstance(stages, str) else tuple(stages)):
        pytest.skip(
            f"not applicable to stage {stage} (runs in: {', '.join([stages] if isinstance(stages, str) else stages)})"
        )


class GateRecorder:
    """Bound to one config: receives every report, including those xdist forwards from workers."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold each phase's report into the check's outcome."""
        _record(self.config.stash[_STATE_KEY]["results"], report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        """Under xdist (controller): a worker that went down with an error makes the gate fail closed."""
        if error:
            self.config.stash[_STATE_KEY]["crashed"].append(str(getattr(node, "gateway", node)))


def _record(results: dict, report: pytest.TestReport) -> None:
    props = dict(report.user_properties)
    if CHECK_PROPERTY not in props:
        return
    check = results.setdefault(report.nodeid, json.loads(props[CHECK_PROPERTY]))
    outcome = _outcome(report)
    if outcome is None:
        return
    if check.get("outcome") in (None, "passed") or outcome in ("failed", "error"):
        check["outcome"] = outcome
        check["detail"] = _detail(report)
    check["elapsed_ms"] = check.get("elapsed_ms", 0.0) + report.duration * 1000


def _gate_checks(config: pytest.Config) -> list:
    from pytest_autopack.gate import CheckResult, apply_silences

    state = config.stash[_STATE_KEY]
    fields = CheckResult.__dataclass_fields__
    checks = []
    for entry in state["results"].values():
        check = CheckResult(**{k: v for k, v in entry.items() if k in fields and v is not None})
        if entry.get("outcome") is None:
            check.outcome, check.detail = "error", "the check produced no result"
        checks.append(check)
    for worker in state["crashed"]:
        checks.append(
            CheckResult(
                id="gate.worker_crashed",
                title="a test worker crashed",
                category="connectivity",
                outcome="error",
                detail=f"xdist worker {worker} went down before finishing",
            )
        )
    return apply_silences(checks, dict(config.stash[SETTINGS_KEY].silence))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On the controller: NO-GO turns a green run red, and the reports are written."""
    config = session.config
    settings = config.stash[SETTINGS_KEY]
    if settings.stage is None or hasattr(config, "workerinput"):
        return
    from pytest_autopack.gate import build_report, render_markdown, write_reports

    checks = _gate_checks(config)
    state = config.stash[_STATE_KEY]
    report = build_report(
        checks,
        stage=settings.stage,
        rollout_stage=settings.rollout_stage,
        target={
            "database": str(settings.db_url) if settings.db_url else "embedded sqlite",
            "dialect": settings.db_url.dialect if settings.db_url else "sqlite",
            "api": settings.api_url or "embedded",
            "identity": settings.db_url.identity if settings.db_url else "embedded",
        },
        started_at=state["started_at"],
        duration_s=time.time() - state["started"],
    )
    state["report"] = report
    if not checks:
        report["verdict"] = "NO-GO"
    if report["verdict"] == "NO-GO" and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if settings.report:
        json_path, _ = write_reports(report, Path(settings.report))
        state["written"] = str(json_path)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with Path(summary_file).open("a", encoding="utf-8") as handle:
            from pytest_autopack.gate import scrub

            handle.write(scrub(render_markdown(report)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Verdict first, then each failing check with its detail and stop condition."""
    report = config.stash[_STATE_KEY].get("report")
    if report is None:
        return
    s = report["summary"]
    markup = {"green": True} if report["verdict"] == "GO" else {"red": True}
    terminalreporter.write_sep("=", "autopack gate", bold=True)
    terminalreporter.write_line(
        f"autopack gate verdict: {report['verdict']} "
        f"(stage {report['stage']}, rollout stage {report['rollout_stage']}): "
        f"{s['passed']} passed, {s['failed']} failed, {s['error']} error, {s['skipped']} skipped, "
        f"{s['silenced']} silenced",
        bold=True,
        **markup,
    )
    if not report["checks"]:
        terminalreporter.write_line("no gate check ran: no evidence, so no GO", red=True)
    for check in report["checks"]:
        if check["outcome"] in ("failed", "error"):
            terminalreporter.write_line(f"  [{check['severity']}] {check['id']}: {check['outcome']}: {check['detail']}")
            if check["stop_condition"]:
                terminalreporter.write_line(f"      stop condition: {check['stop_condition']}")
    if config.stash[_STATE_KEY].get("written"):
        terminalreporter.write_line(f"report written: {config.stash[_STATE_KEY]['written']}")


def _describe(item: pytest.Item) -> dict:
    marker = item.get_closest_marker("autopack_gate")
    kwargs = marker.kwargs if marker else {}
    doc = (getattr(getattr(item, "function", None), "__doc__", None) or item.name).strip().splitlines()[0]
    module = getattr(getattr(item, "module", None), "__name__", "") or ""
    return {
        "id": kwargs.get("check_id") or item.name,
        "title": doc,
        "category": kwargs.get("category") or module.rsplit(".", 1)[-1].removeprefix("test_") or "user",
        "severity": kwargs.get("severity", "blocker"),
        "stop_condition": kwargs.get("stop_condition", ""),
        "outcome": None,
    }


def _outcome(report: pytest.TestReport) -> str | None:
    if report.when == "call":
        return {"passed": "passed", "failed": "failed", "skipped": "skipped"}[report.outcome]
    if report.outcome == "skipped":
        return "skipped"
    if report.outcome == "failed":
        return "error"
    return None


def _detail(report: pytest.TestReport) -> str:
    from pytest_autopack.gate import scrub

    if report.outcome == "skipped" and isinstance(report.longrepr, tuple):
        return scrub(str(report.longrepr[2]).removeprefix("Skipped: "))
    if report.outcome == "failed":
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
        first = text.strip().splitlines()[0] if text.strip() else "failed"
        return scrub(first.removeprefix("Failed: "))
    return ""
