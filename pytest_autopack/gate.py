"""Gate outcomes, the GO / NO-GO verdict and the report writers. No pytest imports.

A failed blocker, or a blocker that could not be evaluated (``error``), is NO-GO:
the gate fails closed. Failed warnings give GO with warnings. Silenced checks are
reported with the operator's reason and do not vote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_autopack.urls import mask_url

OUTCOMES = ("passed", "failed", "error", "skipped", "silenced")
SEVERITIES = ("blocker", "warning")
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^:/@\s]*:[^@\s*]+@", re.I)
_ASSIGNED_SECRET = re.compile(r"(?i)\b(api[_-]?key|password|secret|token)(\s*[=:]\s*)(?!\*\*\*)[^\s,;'\"]{6,}")
_PROVIDER_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{16,}")


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


def scrub(text: str) -> str:
    """Mask anything that looks like a credential before it is written anywhere."""
    text = _ASSIGNED_SECRET.sub(r"\1\2***", mask_url(text))
    return _PROVIDER_KEY.sub("sk-***", text)


def contains_secret(text: str) -> bool:
    """True when ``text`` still holds a URL password, an API key or a password assignment."""
    return any(p.search(text) for p in (_URL_PASSWORD, _ASSIGNED_SECRET, _PROVIDER_KEY))


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
