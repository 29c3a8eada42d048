"""Pattern expansion: failure records → caught-filtering → template miner → Pattern records → JSON.

This is Autopack's ``scripts/pattern_expansion.py`` rebuilt on a real template miner: the output
keeps its ``pattern_expansion`` JSON keys (``meta`` and ``patterns[]`` with ``pattern_signature``,
``error_type``, …) so existing consumers keep working, and adds ours (template, samples, regex,
``assignments``). ``--min-occurrences`` and ``--top`` only choose what is *reported*; every kept
message still gets the id of its pattern in ``assignments``, whatever that pattern's size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pytest_autopack import __version__
from pytest_autopack.patterns import records as rec
from pytest_autopack.patterns.regexes import derive_regex, matches
from pytest_autopack.patterns.registry import Registry
from pytest_autopack.patterns.sources import FailureRecord, Loaded
from pytest_autopack.secrets import scrub
from pytest_autopack.urls import mask_url

MAX_SAMPLES = 5
MAX_SAMPLE_CHARS = 4000
CAUGHT_BY_PHASE6 = "phase6_failure_hardening"
CAUGHT_BY_STATUS = "hardening_mitigated_status"
# Credentials that can sit inside a failure message (an echoed header, a provider key in a URL or
# an exception text). Samples and templates end up in JSON, generated tests and backlog files.


@dataclass(frozen=True)
class ExpandOptions:
    """What to report: run filter, thresholds, and whether already-caught failures are mined too."""

    run_id: str | None = None
    min_occurrences: int = 3
    top: int = 5
    include_caught: bool = False


@dataclass
class Analysis:
    """The result of one expansion: every pattern, the reported ones, and per-message assignments."""

    records: list[FailureRecord]
    caught_by: list[str | None]
    assignments: list[str | None]
    patterns: list[rec.Pattern]
    reported: list[rec.Pattern]
    options: ExpandOptions
    source: str
    skipped: list[str] = field(default_factory=list)

    @property
    def caught_count(self) -> int:
        """How many messages were already caught (left out unless ``include_caught``)."""
        return sum(1 for c in self.caught_by if c is not None)


def caught_reason(record: FailureRecord, registry: Registry, hardened: set[tuple[str, str]]) -> str | None:
    """Why a failure counts as already caught: Phase 6 hardening, Autopack's status code, or a detector."""
    if record.run_id is not None and (record.run_id, record.phase_id or "") in hardened:
        return CAUGHT_BY_PHASE6
    if record.message.startswith("HARDENING_MITIGATED"):
        return CAUGHT_BY_STATUS
    detector = registry.match(record.message, {"run_id": record.run_id, "phase_id": record.phase_id})
    return detector.pattern_id if detector else None


def _caught(records: Sequence[FailureRecord], registry: Registry, hardened: set[tuple[str, str]]) -> list[str | None]:
    """:func:`caught_reason` per record; detectors see each distinct text once (real logs repeat a lot)."""
    seen: dict[str, str | None] = {}
    reasons = []
    for record in records:
        if record.message not in seen:
            seen[record.message] = caught_reason(FailureRecord(record.message), registry, set())
        by_text = seen[record.message]
        by_phase6 = record.run_id is not None and (record.run_id, record.phase_id or "") in hardened
        reasons.append(CAUGHT_BY_PHASE6 if by_phase6 else by_text)
    return reasons


def analyze(
    loaded: Loaded,
    registry: Registry,
    options: ExpandOptions,
    *,
    source: str,
    progress: Callable[[int], None] | None = None,
) -> Analysis:
    """Filter caught failures, mine the rest in input order, and build the Pattern records."""
    from pytest_autopack.patterns.miner import mine

    records = loaded.records
    caught_by = _caught(records, registry, loaded.hardened)
    kept = [i for i, reason in enumerate(caught_by) if options.include_caught or reason is None]
    result = mine((records[i].message for i in kept), progress=progress)

    by_template: dict[str, list[int]] = {}
    for cluster in sorted(result.clusters.values(), key=lambda c: min(c.member_indices)):
        # Credentials become <SECRET> before grouping: templates differing only there are one pattern.
        by_template.setdefault(scrub(cluster.template, "<SECRET>"), []).extend(kept[j] for j in cluster.member_indices)
    groups = sorted(by_template.items(), key=lambda item: (-len(item[1]), min(item[1])))

    patterns: list[rec.Pattern] = []
    ids: set[str] = set()
    assignments: list[str | None] = [None] * len(records)
    for rank, (template, members) in enumerate(groups):
        members.sort()
        with_regex = rank < options.top and len(members) >= options.min_occurrences  # the reported ones
        pattern = _pattern(template, [records[i] for i in members], ids, with_regex)
        ids.add(pattern.id)
        patterns.append(pattern)
        for index in members:
            assignments[index] = pattern.id
    reported = [p for p in patterns if p.count >= options.min_occurrences][: options.top]
    reported = [_with_overlaps(p, patterns) for p in reported]
    return Analysis(records, caught_by, assignments, patterns, reported, options, source, list(loaded.skipped))


def _pattern(template: str, members: Sequence[FailureRecord], taken: set[str], with_regex: bool) -> rec.Pattern:
    signature = rec.signature_of(template)
    error_type = rec.classify(template)
    pattern_id = f"{error_type}_{signature[:8]}"
    if pattern_id in taken:  # a prefix collision: fall back to the whole signature
        pattern_id = f"{error_type}_{signature}"
    distinct = list(dict.fromkeys(m.message for m in members))
    # Short samples first (a 1 MB log dump is a poor test case and bloats every output), input order within.
    short = [m for m in distinct if len(m) <= MAX_SAMPLE_CHARS] or sorted(distinct, key=len)
    samples = tuple(dict.fromkeys(scrub(mask_url(m)) for m in short[: MAX_SAMPLES * 4]))[:MAX_SAMPLES]
    stamps = sorted(m.created_at for m in members if m.created_at)
    regex = derive_regex(template, distinct) if with_regex else None
    return rec.Pattern(
        id=pattern_id,
        signature=signature,
        template=template,
        error_type=error_type,
        error_class=rec.majority([m.error_class or rec.error_class_of(m.message) for m in members]),
        count=len(members),
        run_ids=tuple(sorted({m.run_id for m in members if m.run_id})),
        phase_ids=tuple(sorted({m.phase_id for m in members if m.phase_id})),
        first_seen=stamps[0] if stamps else None,
        last_seen=stamps[-1] if stamps else None,
        samples=samples,
        regex=regex,
        keywords=rec.keywords(template),
        sources=tuple(sorted({m.source for m in members})),
    )


def _with_overlaps(pattern: rec.Pattern, patterns: Sequence[rec.Pattern]) -> rec.Pattern:
    """Record which other patterns' samples this pattern's regex would also match (ideally none)."""
    from dataclasses import replace

    if pattern.regex is None:
        return pattern
    hits = tuple(
        other.id
        for other in patterns
        if other.id != pattern.id and any(matches(pattern.regex.pattern, s) for s in other.samples)
    )
    return replace(pattern, overlaps=hits)


def pattern_json(pattern: rec.Pattern) -> dict[str, Any]:
    """Autopack's ``UncaughtPattern`` keys first, then ours."""
    return {
        "pattern_signature": pattern.signature,
        "error_type": pattern.error_type,
        "error_message_sample": pattern.samples[0][:200] if pattern.samples else "",
        "occurrence_count": pattern.count,
        "run_ids": list(pattern.run_ids),
        "phase_ids": list(pattern.phase_ids),
        "first_seen_at": pattern.first_seen or "unknown",
        "last_seen_at": pattern.last_seen or "unknown",
        "affected_models": [],
        "suggested_pattern_id": pattern.id,
        "confidence": pattern.confidence,
        "notes": f"Pattern appears {pattern.count} time(s) across {len(pattern.run_ids)} run(s).",
        "id": pattern.id,
        "template": pattern.template,
        "error_class": pattern.error_class,
        "distinct_runs": len(pattern.run_ids),
        "distinct_phases": len(pattern.phase_ids),
        "samples": list(pattern.samples),
        "suggested_regex": pattern.regex.pattern if pattern.regex else None,
        "regex_verified": pattern.regex.verified if pattern.regex else False,
        "regex_overlaps": list(pattern.overlaps),
        "keywords": list(pattern.keywords),
        "priority": pattern.priority_label,
        "sources": list(pattern.sources),
    }


def analysis_json(analysis: Analysis) -> dict[str, Any]:
    """The whole analysis as Autopack's ``pattern_expansion`` document plus our additions."""
    caught: dict[str, int] = {}
    for reason in analysis.caught_by:
        if reason is not None:
            caught[reason] = caught.get(reason, 0) + 1
    return {
        "meta": {
            "generated_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "run_id_filter": analysis.options.run_id,
            "min_occurrences": analysis.options.min_occurrences,
            "total_patterns": len(analysis.reported),
            "top": analysis.options.top,
            "include_caught": analysis.options.include_caught,
            "source": analysis.source,
            "messages_total": len(analysis.records),
            "messages_caught": analysis.caught_count,
            "messages_mined": sum(1 for a in analysis.assignments if a is not None),
            "patterns_found": len(analysis.patterns),
            "caught_by": dict(sorted(caught.items())),
            "skipped_inputs": list(analysis.skipped),
            "generator": f"pytest-autopack {__version__}",
        },
        "patterns": [pattern_json(p) for p in analysis.reported],
        "assignments": list(analysis.assignments),
        "templates": {p.id: {"template": p.template, "occurrence_count": p.count} for p in analysis.patterns},
    }
