"""Per-test cost of ``autopack_db`` against a no-database test and pytest-postgresql, in one run.

Each variant is a throwaway project of N trivial tests run in a fresh pytest
subprocess. A tiny conftest times each test's whole protocol (setup, call,
teardown) and the figure is the median over the tests, without the first test
(which pays the session set-up: template build, server connection). Variants:

* ``no database``: the baseline, ``def test(): pass``;
* ``autopack_db sqlite`` / ``autopack_db postgresql``: a query in the rolled-back session;
* ``pytest-postgresql``: its ``postgresql`` client fixture on a ``postgresql_noproc`` server (the same
  PostgreSQL server), which creates and drops a database per test.

Also: start-up cost the plugin adds to ``pytest --co -q`` in an empty directory.

Usage: python benchmarks/fixture_overhead.py [--tests 200] [--repeats 3] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

TIMER = """
import statistics, time, pytest

_times = []

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        _times.append(time.perf_counter() - started)

def pytest_sessionfinish(session):
    with open("timings.txt", "w") as handle:
        handle.write("\\n".join(repr(t) for t in _times[1:]))
"""

VARIANTS = {
    "no database": ("", "def test_{i}():\n    pass\n"),
    "autopack_db sqlite": (
        "",
        "from sqlalchemy import text\n\n"
        "def test_{i}(autopack_db):\n    autopack_db.execute(text('SELECT 1')).scalar_one()\n",
    ),
    "autopack_db postgresql": (
        "",
        "from sqlalchemy import text\n\n"
        "def test_{i}(autopack_db):\n    autopack_db.execute(text('SELECT 1')).scalar_one()\n",
    ),
    "pytest-postgresql postgresql": (
        "from pytest_postgresql import factories\n\n"
        "postgresql_noproc = factories.postgresql_noproc(host={host!r}, port={port}, user={user!r})\n"
        "postgresql = factories.postgresql('postgresql_noproc')\n",
        "def test_{i}(postgresql):\n    cur = postgresql.cursor()\n    cur.execute('SELECT 1')\n    cur.fetchone()\n",
    ),
}


def write_project(root: Path, variant: str, count: int, pg: dict) -> None:
    conftest, body = VARIANTS[variant]
    root.mkdir(parents=True, exist_ok=True)
    (root / "conftest.py").write_text(conftest.format(**pg) + TIMER)
    (root / "test_bench.py").write_text("\n".join(body.format(i=i) for i in range(count)))
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider -p no:randomly\n")


def median_test_ms(root: Path, variant: str, pg_url: str) -> float:
    """Run the project once; the median per-test protocol time in ms (first test excluded)."""
    env = dict(os.environ)
    backend = "postgres" if variant.endswith("postgresql") and variant.startswith("autopack") else "sqlite"
    env.update({"AUTOPACK_TEST_BACKENDS": backend, "AUTOPACK_PG_URL": pg_url, "AUTOPACK_REQUIRE_POSTGRES": "1"})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x"], cwd=root, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"{variant}: pytest failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    times = [float(line) for line in (root / "timings.txt").read_text().splitlines()]
    return statistics.median(times) * 1000


def per_test_ms(variant: str, tests: int, repeats: int, pg_url: str, pg: dict, workdir: Path) -> float:
    """Median over ``repeats`` runs of the median per-test time."""
    root = workdir / variant.replace(" ", "_")
    write_project(root, variant, tests, pg)
    return statistics.median(median_test_ms(root, variant, pg_url) for _ in range(repeats))


def startup_ms(repeats: int, workdir: Path) -> tuple[float, float]:
    empty = workdir / "empty"
    empty.mkdir(exist_ok=True)

    def run(*extra: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra], cwd=empty,
                       capture_output=True, check=False)  # fmt: skip
        return (time.perf_counter() - started) * 1000

    run()
    with_plugin, without = [], []
    for _ in range(repeats):
        with_plugin.append(run())
        without.append(run("-p", "no:autopack"))
    return statistics.median(with_plugin), statistics.median(without)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--pg-url", default=os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    parts = urlsplit(args.pg_url)
    pg = {"host": parts.hostname, "port": parts.port or 5432, "user": parts.username or "postgres"}
    print(f"{args.tests} trivial tests per variant, median of {args.repeats} runs, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores\n")  # fmt: skip
    print("| variant | per test (ms) | beyond no-database (ms) |")
    print("| --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results = {v: per_test_ms(v, args.tests, args.repeats, args.pg_url, pg, workdir) for v in VARIANTS}
        base = results["no database"]
        for variant, per_test in results.items():
            print(f"| {variant} | {per_test:.3f} | {per_test - base:.3f} |")
        ours = results["autopack_db postgresql"] - base
        theirs = results["pytest-postgresql postgresql"] - base
        print(f"\npytest-postgresql / autopack_db (PostgreSQL, beyond baseline): {theirs / max(ours, 1e-6):.0f}x")
        with_plugin, without = startup_ms(max(args.repeats, 10), workdir)
        print(f"\npytest --co -q in an empty directory: {with_plugin:.0f} ms with the plugin, {without:.0f} ms with "
              f"-p no:autopack: +{with_plugin - without:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
