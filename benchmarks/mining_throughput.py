"""Throughput of the mining loop only: our FailureMiner vs drain3 alone on the same messages.

Messages are built by cycling the dev file's messages to 10k and 100k, loaded before timing;
each timed run mines the whole list with a fresh miner (no file I/O inside the timer). Reports
the median of N runs, in messages per second, and the cost ratio of our miner to drain3.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pattern_accuracy import load_dev, shared_data_dir  # noqa: E402

from pytest_autopack.patterns.miner import FailureMiner, MinerConfig  # noqa: E402


def run_drain3(messages: Sequence[str]) -> None:
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    miner = TemplateMiner(config=TemplateMinerConfig())
    for message in messages:
        miner.add_log_message(message)


def run_ours(messages: Sequence[str]) -> None:
    miner = FailureMiner()
    for message in messages:
        miner.add(message)
    miner.result()


def run_ours_uncached(messages: Sequence[str]) -> None:
    """Every message masked from scratch: the cost on a stream with no repeated text."""
    miner = FailureMiner(MinerConfig(mask_cache_size=0))
    for message in messages:
        miner.add(message)
    miner.result()


def median_rates(
    runs: Sequence[Callable[[Sequence[str]], None]], messages: Sequence[str], repeats: int
) -> list[float]:
    """Median msg/s of each run; runs are interleaved so machine noise hits them alike."""
    rates: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run(messages)
            rates[index].append(len(messages) / (time.perf_counter() - start))
    return [statistics.median(r) for r in rates]


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per size (median reported, >= 5)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    dev_messages, _ = load_dev(shared_data_dir())
    run_drain3(dev_messages[:100])  # warm imports outside the timer
    run_ours(dev_messages[:100])
    print(f"{os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
          f"median of {args.repeats} interleaved runs\n")
    print("| messages | drain3 alone (msg/s) | ours (msg/s) | cost vs drain3 | ours, mask cache off (msg/s) "
          "| cost vs drain3 |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        messages = list(itertools.islice(itertools.cycle(dev_messages), size))
        raw, ours, cold = median_rates((run_drain3, run_ours, run_ours_uncached), messages, args.repeats)
        print(f"| {size:,} | {raw:,.0f} | {ours:,.0f} | {raw / ours:.2f}x | {cold:,.0f} | {raw / cold:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
