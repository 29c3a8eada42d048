"""``autopack patterns expand``: mine uncaught failures into patterns and optionally generate code.

Input is the target database by default, or ``--input FILE.jsonl`` / ``--errors-dir DIR``. The
report goes to stdout (a readable summary, or the JSON document with ``--json``); progress and
notes go to stderr so ``--json`` output stays parseable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pytest_autopack.commands.common import add_db_url_argument, progress_line, resolve_db_url
from pytest_autopack.errors import UsageError

if TYPE_CHECKING:
    from pytest_autopack.generators.emit import FileOutcome
    from pytest_autopack.patterns.mining import Analysis
    from pytest_autopack.patterns.sources import Loaded

PROGRESS_EVERY = 1000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``patterns`` and its ``expand`` subcommand."""
    patterns = subparsers.add_parser("patterns", help="mine failure patterns and generate detectors")
    sub = patterns.add_subparsers(dest="patterns_command", metavar="SUBCOMMAND")
    sub.required = True
    expand = sub.add_parser(
        "expand",
        help="group uncaught failures into templates; optionally generate detectors, tests and backlog",
        description="Group failure messages that no registered detector catches into templates, report the "
        "most frequent ones and optionally generate a detector module, its tests and a backlog entry for each.",
    )
    expand.add_argument("--run-id", metavar="ID", help="only failures of this run")
    expand.add_argument(
        "--min-occurrences",
        type=_whole_number,
        default=3,
        metavar="N",
        help="report patterns seen at least N times (default 3)",
    )
    expand.add_argument(
        "--top",
        type=_whole_number,
        default=5,
        metavar="N",
        help="report and generate at most N patterns, most frequent first (default 5)",
    )
    source = expand.add_mutually_exclusive_group()
    source.add_argument(
        "--input",
        type=Path,
        metavar="FILE.jsonl",
        help="mine a JSON-lines file with a 'message' field instead of the database",
    )
    source.add_argument(
        "--errors-dir", type=Path, metavar="DIR", help="mine Autopack error-report files DIR/<run_id>/errors/*.json"
    )
    expand.add_argument(
        "--include-caught",
        action="store_true",
        help="also mine messages a registered detector or Phase 6 hardening already caught",
    )
    expand.add_argument(
        "--patterns-dir",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="directory of generated detectors that count as registered (repeatable)",
    )
    expand.add_argument("--json", action="store_true", help="print the analysis as JSON (with assignments)")
    expand.add_argument(
        "--generate-code",
        action="store_true",
        help="write detector modules, tests and backlog entries for the reported patterns",
    )
    expand.add_argument("--output-dir", type=Path, metavar="DIR", help="where pattern_<id>.py modules go")
    expand.add_argument("--tests-dir", type=Path, metavar="DIR", help="where test_pattern_<id>.py files go")
    expand.add_argument("--backlog-dir", type=Path, metavar="DIR", help="where PATTERN_<ID>.md entries go")
    expand.add_argument("--force", action="store_true", help="overwrite generated files even if edited by hand")
    add_db_url_argument(expand)
    expand.set_defaults(func=run_expand)


def _whole_number(text: str) -> int | str:
    """Argparse type that defers range errors to :func:`_check_args` (one-line UsageError)."""
    try:
        return int(text)
    except ValueError:
        return text


def _check_args(args: argparse.Namespace) -> None:
    for flag, value in (("--min-occurrences", args.min_occurrences), ("--top", args.top)):
        if not isinstance(value, int):
            raise UsageError(f"{flag}: expected a whole number, got {value!r}")
        if value < 1:
            raise UsageError(f"{flag}: must be at least 1, got {value}")
    if not args.generate_code:
        return
    missing = [
        flag
        for flag, value in (
            ("--output-dir", args.output_dir),
            ("--tests-dir", args.tests_dir),
            ("--backlog-dir", args.backlog_dir),
        )
        if value is None
    ]
    if missing:
        raise UsageError(f"--generate-code needs {', '.join(missing)}")


def _load(args: argparse.Namespace) -> tuple[Loaded, str]:
    """The records to mine and a label naming their source."""
    from pytest_autopack.patterns import sources

    if args.input is not None:
        return sources.read_jsonl(args.input, args.run_id), f"input:{args.input.name}"
    if args.errors_dir is not None:
        return sources.read_error_reports(args.errors_dir, args.run_id), "error_reports"
    url = resolve_db_url(args)
    return sources.read_database(url, args.run_id), f"database:{url.dialect}"


def run_expand(args: argparse.Namespace) -> int:
    """Run the expansion and print the report; returns the exit code."""
    from pytest_autopack.patterns.mining import ExpandOptions, analysis_json, analyze
    from pytest_autopack.patterns.registry import load_registry

    _check_args(args)
    loaded, source = _load(args)
    for note in loaded.skipped:
        print(f"autopack patterns expand: skipped {note}", file=sys.stderr)
    if not loaded.records:
        where = f" for run {args.run_id}" if args.run_id else ""
        raise UsageError(f"no failure messages found in {source}{where}: nothing to mine")
    registry = load_registry(args.patterns_dir)
    options = ExpandOptions(args.run_id, args.min_occurrences, args.top, args.include_caught)
    total = len(loaded.records)

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            progress_line("mining", done, total)

    analysis = analyze(loaded, registry, options, source=source, progress=progress if total >= PROGRESS_EVERY else None)
    outcomes = []
    if args.generate_code:
        outcomes = _generate(analysis, args)
    if args.json:
        print(json.dumps(analysis_json(analysis), indent=2))  # ASCII: safe on any console encoding
    else:
        _print_report(analysis)
    for outcome in outcomes:
        stream = sys.stderr if args.json else sys.stdout
        hint = " (edited by hand; --force overwrites)" if outcome.status == "kept-edited" else ""
        print(f"{outcome.status:>18}  {outcome.path}{hint}", file=stream)
    if outcomes:
        _print_matches(analysis, args.output_dir, sys.stderr if args.json else sys.stdout)
    return 0


def _print_matches(analysis: Analysis, output_dir: Path, stream: TextIO) -> None:
    """Load the generated detectors through the registry and show which phases each one matches."""
    from pytest_autopack.patterns.registry import load_registry

    generated = {f"pattern_{p.id}.py" for p in analysis.reported}
    registry = load_registry([output_dir], entry_points=False)
    ids = {d.pattern_id for d in registry.detectors if Path(d.origin).name in generated}
    hits: dict[str, list[str]] = {}
    for record in analysis.records:
        match = registry.detect_and_mitigate(record.message, {"run_id": record.run_id, "phase_id": record.phase_id})
        if match is not None and match.detector.pattern_id in ids:
            where = "/".join(part for part in (record.run_id, record.phase_id) if part)
            hits.setdefault(match.detector.pattern_id, []).append(where)
    print("\nRegistered detectors on the mined failures:", file=stream)
    for pattern_id in sorted(ids):
        places = [p for p in dict.fromkeys(hits.get(pattern_id, [])) if p]
        line = f"  {pattern_id}: {len(hits.get(pattern_id, []))} failures"
        if places:
            more = f", … ({len(places) - 5} more)" if len(places) > 5 else ""
            line += f" in {len(places)} run/phase(s): " + ", ".join(places[:5]) + more
        print(line, file=stream)


def _generate(analysis: Analysis, args: argparse.Namespace) -> list[FileOutcome]:
    from pytest_autopack.generators.emit import Targets, generate

    if not analysis.reported:
        print("autopack patterns expand: no pattern reaches --min-occurrences; nothing generated", file=sys.stderr)
        return []
    targets = Targets(args.output_dir, args.tests_dir, args.backlog_dir)
    for directory in (targets.output_dir, targets.tests_dir, targets.backlog_dir):
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"not a directory: {directory}")
    return generate(analysis.reported, analysis.patterns, targets, force=args.force)


def _print_report(analysis: Analysis) -> None:
    meta = f"{len(analysis.records)} messages, {analysis.caught_count} already caught"
    if analysis.options.include_caught:
        meta += " (included)"
    print(f"Uncaught failure patterns ({analysis.source}): {meta}, {len(analysis.patterns)} templates")
    if not analysis.reported:
        print(f"No pattern occurs at least {analysis.options.min_occurrences} times.")
        return
    for rank, pattern in enumerate(analysis.reported, start=1):
        print(f"\n[{rank}] {pattern.id}  ({pattern.count} occurrences, confidence {pattern.confidence})")
        print(f"    template:  {_one_line(pattern.template)}")
        print(
            f"    class:     {pattern.error_class or '-'}   runs: {len(pattern.run_ids)}   "
            f"phases: {len(pattern.phase_ids)}"
        )
        print(f"    seen:      {pattern.first_seen or 'unknown'} .. {pattern.last_seen or 'unknown'}")
        print(f"    sample:    {_one_line(pattern.samples[0]) if pattern.samples else '-'}")
        if pattern.regex is not None:
            print(f"    regex:     {_one_line(pattern.regex.pattern)}")


def _one_line(text: str, limit: int = 160) -> str:
    """One line of at most ``limit`` characters, printable on the console's encoding (cp1252 too)."""
    flat = " ".join(text.split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return flat.encode(encoding, "backslashreplace").decode(encoding, "replace")
