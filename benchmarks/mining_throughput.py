"""Throughput of the mining loop only: our FailureMiner vs drain3 alone on the same messages.

Three streams, all built and loaded before timing (no file I/O inside the timer):

- ``repeating``: the dev file's messages cycled to the requested size, so texts repeat, which is
  what the per-miner mask cache is for; ours is timed with the cache on and off.
- ``unique``: the same cycle, but every message carries its own run number and trace id, so no
  text ever repeats; ours is timed with the mask cache off, which is the cost of masking itself.
- ``loghub``: the 16 Loghub-2k files' contents concatenated in file order (32,000 real messages
  of other systems), truncated to the requested size; ours with the mask cache off.

Each timed run mines the whole list with a fresh miner. Runs of drain3 and ours are interleaved, in
alternating order, so that machine noise hits them alike: each repeat times every contender back to
back. Rates are the median of N runs in messages per second; a cost ratio (our time over drain3's)
is the median of the N ratios taken within each repeat, which the speed drifts of a shared virtual
machine (seen here: drain3 alone at 140k and 215k msg/s minutes apart) move far less than the rates.
On the streams without repeated text, masking alone (no Drain) is timed as well, since the issue
bounds the masking cost by twice drain3's.
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

from pattern_accuracy import LOGHUB_SYSTEMS, load_dev, load_loghub, shared_data_dir  # noqa: E402

from pytest_autopack.patterns.masking import mask  # noqa: E402
from pytest_autopack.patterns.miner import FailureMiner, MinerConfig  # noqa: E402

Run = Callable[[Sequence[str]], None]


def run_drain3(messages: Sequence[str]) -> None:
    """drain3 alone, default config, as PATTERNS.md measures it."""
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    miner = TemplateMiner(config=TemplateMinerConfig())
    for message in messages:
        miner.add_log_message(message)


def run_ours(messages: Sequence[str]) -> None:
    """Our miner as shipped (mask cache on)."""
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


def run_mask_only(messages: Sequence[str]) -> None:
    """Masking alone, no Drain: the cost the issue bounds by twice drain3's."""
    for message in messages:
        mask(message)


def timed_repeats(runs: Sequence[Run], messages: Sequence[str], repeats: int) -> list[list[float]]:
    """Seconds of each run in each repeat; a repeat runs them all back to back, every other one reversed."""
    seconds: list[list[float]] = [[0.0] * repeats for _ in runs]
    for repeat in range(repeats):
        order = range(len(runs)) if repeat % 2 == 0 else reversed(range(len(runs)))
        for index in order:
            start = time.perf_counter()
            runs[index](messages)
            seconds[index][repeat] = time.perf_counter() - start
    return seconds


def median_rate(seconds: Sequence[float], messages: Sequence[str]) -> float:
    return len(messages) / statistics.median(seconds)


def median_ratio(ours: Sequence[float], baseline: Sequence[float]) -> float:
    """Median over repeats of our time over the baseline's time in the same repeat."""
    return statistics.median(mine / theirs for mine, theirs in zip(ours, baseline, strict=True))


def unique_stream(messages: Sequence[str], size: int) -> list[str]:
    """Cycle ``messages`` to ``size``, giving each one a run number and trace id of its own."""
    return [
        f"{message} (run {index}, trace {index * 2654435761 % 2**48:012x})"
        for index, message in enumerate(itertools.islice(itertools.cycle(messages), size))
    ]


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
    parser.add_argument(
        "--streams", nargs="+", choices=("repeating", "unique", "loghub"), default=["repeating", "unique", "loghub"]
    )
    args = parser.parse_args(argv)
    if args.repeats < 5:
        parser.error("--repeats must be at least 5 (PATTERNS.md: median of at least 5 runs)")
    data_dir = shared_data_dir()
    dev_messages, _ = load_dev(data_dir)
    loghub = [message for system in LOGHUB_SYSTEMS for message in load_loghub(data_dir, system)[0]]
    run_drain3(dev_messages[:100])  # warm imports outside the timer
    run_ours(dev_messages[:100])
    print(f"{os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
          f"median of {args.repeats} interleaved runs\n")
    print("| stream | messages | drain3 alone (msg/s) | ours (msg/s) | cost vs drain3 | masking alone (msg/s) "
          "| masking cost vs drain3 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for stream in args.streams:
        for size in args.sizes:
            if stream == "repeating":
                messages = list(itertools.islice(itertools.cycle(dev_messages), size))
                raw, ours, cold = timed_repeats((run_drain3, run_ours, run_ours_uncached), messages, args.repeats)
                for label, mine in (("on", ours), ("off", cold)):
                    print(f"| repeating, mask cache {label} | {size:,} | {median_rate(raw, messages):,.0f} "
                          f"| {median_rate(mine, messages):,.0f} | {median_ratio(mine, raw):.2f}x | | |")
                continue
            if stream == "unique":
                messages = unique_stream(dev_messages, size)
            else:
                messages = loghub[:size]
            raw, cold, alone = timed_repeats((run_drain3, run_ours_uncached, run_mask_only), messages, args.repeats)
            print(f"| {stream}, mask cache off | {len(messages):,} | {median_rate(raw, messages):,.0f} "
                  f"| {median_rate(cold, messages):,.0f} | {median_ratio(cold, raw):.2f}x "
                  f"| {median_rate(alone, messages):,.0f} | {median_ratio(alone, raw):.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
