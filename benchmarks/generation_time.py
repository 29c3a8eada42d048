"""Time to generate the files of 5 mined patterns: render only, render + write, and the whole expand.

Input: the realistic dataset's failure messages (``build_dataset`` on an in-memory SQLite, the
same text ``autopack seed`` writes), or ``--input FILE.jsonl`` with a ``message`` field. The
patterns are mined once, outside the timer; each timed run starts from a fresh output tree.
Prints a table with the median, min and max of N runs (default 9) in milliseconds.

    python benchmarks/generation_time.py [--runs 9] [--input FILE.jsonl] [--top 5]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pytest_autopack.generators.emit import Targets, render_all, write_files  # noqa: E402
from pytest_autopack.patterns.mining import ExpandOptions, analyze  # noqa: E402
from pytest_autopack.patterns.registry import load_registry  # noqa: E402
from pytest_autopack.patterns.sources import FailureRecord, Loaded, read_jsonl  # noqa: E402


def dataset_records() -> Loaded:
    """The dataset's failure messages, built in an in-memory SQLite database."""
    from pytest_autopack.fixtures.dataset import build_dataset
    from pytest_autopack.schema.engine import create_engine_for
    from pytest_autopack.schema.migrations import upgrade
    from pytest_autopack.urls import parse_database_url

    engine = create_engine_for(parse_database_url("sqlite://"))
    upgrade(engine)
    dataset = build_dataset(engine)
    engine.dispose()
    return Loaded([FailureRecord(f.message, f.run_id, f.phase_id, f.created_at.isoformat()) for f in dataset.failures])


def timed(action: Callable[[Path], object], runs: int) -> list[float]:
    """Milliseconds per run; each run gets a fresh, empty output tree."""
    samples = []
    for _ in range(runs):
        root = Path(tempfile.mkdtemp(prefix="autopack-gen-"))
        try:
            started = time.perf_counter()
            action(root)
            samples.append((time.perf_counter() - started) * 1000)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--input", type=Path, help="JSON-lines file with a 'message' field (default: the dataset)")
    args = parser.parse_args()

    loaded = read_jsonl(args.input) if args.input else dataset_records()
    registry = load_registry(entry_points=False)
    options = ExpandOptions(min_occurrences=1, top=args.top)
    analysis = analyze(loaded, registry, options, source="benchmark")
    patterns, others = analysis.reported, analysis.patterns

    def targets(root: Path) -> Targets:
        return Targets(root / "detectors", root / "tests", root / "backlog")

    def render(root: Path) -> object:
        return render_all(patterns, others, targets(root))

    def render_write(root: Path) -> object:
        return write_files(render_all(patterns, others, targets(root)))

    def expand(root: Path) -> object:
        fresh = analyze(loaded, registry, options, source="benchmark")
        return write_files(render_all(fresh.reported, fresh.patterns, targets(root)))

    render(Path(tempfile.gettempdir()))  # warm-up: jinja2 import and template compilation
    rows = [
        (f"render {len(patterns)} patterns ({1 + 3 * len(patterns)} files)", timed(render, args.runs)),
        ("render + write", timed(render_write, args.runs)),
        (f"mine {len(loaded.records)} messages + render + write", timed(expand, args.runs)),
    ]
    print(
        f"generation time, {args.runs} runs, Python {platform.python_version()}, {platform.machine()}, "
        f"{len(loaded.records)} messages, {len(others)} templates"
    )
    print(f"{'stage':<48} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for label, samples in rows:
        print(f"{label:<48} {statistics.median(samples):>10.1f} {min(samples):>8.1f} {max(samples):>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
