"""Grouping accuracy of raw drain3 and of our FailureMiner, per PATTERNS.md.

One pass in file order, a fresh miner per file, one configuration for every file. Raw drain3 is
scored on the cluster assigned on arrival (as PATTERNS.md measured it); our miner on the final
cluster of each message after the pass. Data is read from ../shared/data at run time and never
copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pytest_autopack.patterns.metrics import Scores, score  # noqa: E402
from pytest_autopack.patterns.miner import mine  # noqa: E402

LOGHUB_SYSTEMS = (
    "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux",
    "Mac", "OpenSSH", "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
)
DEV_FILE = "failure_messages_dev.jsonl"


def shared_data_dir() -> Path:
    override = os.environ.get("AUTOPACK_SHARED_DATA")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "data"


def load_dev(data_dir: Path) -> tuple[list[str], list[str]]:
    messages, labels = [], []
    with (data_dir / DEV_FILE).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                messages.append(row["message"])
                labels.append(row["template_id"])
    return messages, labels


def load_loghub(data_dir: Path, system: str) -> tuple[list[str], list[str]]:
    path = data_dir / "loghub" / f"{system}_2k.log_structured.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["EventId"]]
    rows.sort(key=lambda row: int(row["LineId"]))
    return [row["Content"] for row in rows], [row["EventId"] for row in rows]


def raw_drain3(messages: Sequence[str]) -> list[int]:
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    miner = TemplateMiner(config=TemplateMinerConfig())
    return [miner.add_log_message(message)["cluster_id"] for message in messages]


def ours(messages: Sequence[str]) -> list[int]:
    return mine(messages).assignments


MINERS: dict[str, Callable[[Sequence[str]], list[int]]] = {"drain3": raw_drain3, "ours": ours}


def evaluate(data_dir: Path) -> dict[str, dict[str, Scores]]:
    datasets = {"failure_messages_dev": load_dev(data_dir)}
    for system in LOGHUB_SYSTEMS:
        datasets[system] = load_loghub(data_dir, system)
    results: dict[str, dict[str, Scores]] = {}
    for name, (messages, labels) in datasets.items():
        results[name] = {miner: score(run(messages), labels) for miner, run in MINERS.items()}
    results["Loghub mean"] = {
        miner: Scores(*(sum(getattr(results[s][miner], f) for s in LOGHUB_SYSTEMS) / len(LOGHUB_SYSTEMS)
                        for f in ("ga", "fga", "pairwise_f1")))
        for miner in MINERS
    }
    return results


def markdown(results: dict[str, dict[str, Scores]]) -> str:
    lines = [
        "| dataset | GA drain3 | GA ours | FGA drain3 | FGA ours | F1 drain3 | F1 ours |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, by_miner in results.items():
        raw, our = by_miner["drain3"], by_miner["ours"]
        label = f"**{name}**" if name == "Loghub mean" else name
        lines.append(
            f"| {label} | {raw.ga:.3f} | {our.ga:.3f} | {raw.fga:.3f} | {our.fga:.3f} "
            f"| {raw.pairwise_f1:.3f} | {our.pairwise_f1:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="shared data dir (default ../shared/data)")
    parser.add_argument("--json", type=Path, default=None, help="also save the figures as JSON here")
    args = parser.parse_args(argv)
    from importlib.metadata import version

    import drain3  # noqa: F401  (version report only)

    results = evaluate(args.data or shared_data_dir())
    print(f"drain3 {version('drain3')}, Python {sys.version.split()[0]}; ours scored on final clusters\n")
    print(markdown(results))
    if args.json:
        payload = {name: {m: vars(s) for m, s in by.items()} for name, by in results.items()}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
