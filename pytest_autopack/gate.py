"""Gate outcomes, the GO / NO-GO verdict and the report writers. No pytest imports.

A failed blocker, or a blocker that could not be evaluated (``error``), is NO-GO:
the gate fails closed. Failed warnings give GO with warnings. Silenced checks are
reported with the operator's reason and do not vote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_autopack.secrets import contains_secret, scrub

__all__ = [
    "CheckResult",
    "apply_silences",
    "build_report",
    "contains_secret",
    "render_markdown",
    "scrub",
    "summarize",
    "verdict",
    "write_reports",
]

OUTCOMES = ("passed", "failed", "error", "skipped", "silenced")
SEVERITIES = ("blocker", "warning")


@dataclass
class CheckResult:
    """One check's outcome in the report's stable field names."""

    id: str
    title: str
    category: str
    severity: str = "blocker"
    outcome: str = "passed"
    detail: str = ""
    stop_condition: str = ""
    observed: Any = None
    threshold: Any = None
    failing_count: int = 0
    samples: list[str] = field(default_factory=list)
    query: str | None = None
    elapsed_ms: float = 0.0


def verdict(checks: Iterable[CheckResult]) -> str:
    """``GO`` unless a voting blocker failed or errored."""
    for check in checks:
        if check.severity == "blocker" and check.outcome in ("failed", "error"):
            return "NO-GO"
    return "GO"


def summarize(checks: Iterable[CheckResult]) -> dict[str, int]:
    """Counts per outcome, plus failed blockers and failed warnings."""
    checks = list(checks)
    summary = {outcome: sum(c.outcome == outcome for c in checks) for outcome in OUTCOMES}
    summary["blockers_failed"] = sum(c.severity == "blocker" and c.outcome in ("failed", "error") for c in checks)
    summary["warnings"] = sum(c.severity == "warning" and c.outcome in ("failed", "error") for c in checks)
    return summary


def apply_silences(checks: Iterable[CheckResult], silences: Mapping[str, str]) -> list[CheckResult]:
    """Mark the operator's silenced checks; the reason replaces nothing, it is appended to the detail."""
    result = []
    for check in checks:
        if check.id in silences and check.outcome != "passed":
            check.detail = f"silenced: {silences[check.id]}" + (
                f" (was {check.outcome}: {check.detail})" if check.detail else ""
            )
            check.outcome = "silenced"
        result.append(check)
    return result


def build_report(
    checks: list[CheckResult],
    *,
    stage: str,
    rollout_stage: int,
    target: Mapping[str, Any],
    started_at: str,
    duration_s: float,
) -> dict[str, Any]:
    """The JSON report (SPEC §4 field names)."""
    return {
        "verdict": verdict(checks),
        "stage": stage,
        "rollout_stage": rollout_stage,
        "target": dict(target),
        "started_at": started_at,
        "duration_s": round(duration_s, 3),
        "summary": summarize(checks),
        "checks": [asdict(c) for c in checks],
    }


def render_markdown(report: Mapping[str, Any]) -> str:
    """A human report: verdict first, then the failing checks, then the full table."""
    summary = report["summary"]
    lines = [
        f"# Autopack rollout gate: **{report['verdict']}**",
        "",
        f"Stage `{report['stage']}`, rollout stage {report['rollout_stage']}, "
        f"target `{report['target'].get('database')}` ({report['target'].get('dialect')}).",
        "",
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['error']} error, "
        f"{summary['skipped']} skipped, {summary['silenced']} silenced.",
        "",
        "| check | category | severity | outcome | detail |",
        "| --- | --- | --- | --- | --- |",
    ]
    for check in report["checks"]:
        detail = _md_cell(check["detail"])
        lines.append(f"| `{check['id']}` | {check['category']} | {check['severity']} | {check['outcome']} | {detail} |")
    return "\n".join(lines) + "\n"


def write_reports(report: Mapping[str, Any], path: Path) -> tuple[Path, Path]:
    """Write ``path`` (JSON) and its ``.md`` sibling, scrubbed of secrets; returns both paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    json_text = scrub(json.dumps(report, indent=2, default=str))
    md_path = path.with_suffix(".md")
    path.write_text(json_text + "\n", encoding="utf-8")
    md_path.write_text(scrub(render_markdown(report)), encoding="utf-8")
    return path, md_path


def _md_cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")[:300]
