import subprocess
import sys
from pathlib import Path

from generalisation_cases import labelled_messages

from pytest_autopack.patterns.metrics import grouping_accuracy
from pytest_autopack.patterns.miner import FailureMiner, MinerConfig, MiningResult, mine

LABELLED = [
    ("ModuleNotFoundError: No module named 'requests'", "missing"),
    ("KeyError: 'token'", "key"),
    ("ModuleNotFoundError: No module named 'app.core.config'", "missing"),
    ("CI failed: 4 tests failed", "ci_many"),
    ("CI failed: 1 test failed", "ci_one"),
    ("KeyError: 'phase_id'", "key"),
    ("CI failed: 12 tests failed", "ci_many"),
    ("Phase timed out after 600s", "timeout"),
    ("Phase timed out after 1.5 s", "timeout"),
    ("FAILED tests/test_api.py::TestA::test_b[x-1] - AssertionError: assert 3 == 4", "failed"),
    ("FAILED tests/unit/test_db.py::test_c - AssertionError: assert len(rows) == 0", "failed"),
    ("PermissionError: [Errno 13] Permission denied: '/home/ci/My Project/out.log'", "perm"),
    ("PermissionError: [Errno 13] Permission denied: 'C:\\Users\\dev\\app\\x.json'", "perm"),
    ("Interrupted: 1 error during collection", "coll_one"),
    ("Interrupted: 3 errors during collection", "coll_many"),
    ("openai.APIStatusError: 503 Service Unavailable", "status"),
    ("openai.APIStatusError: 502 Bad Gateway", "status"),
    ("openai.RateLimitError: 429 Too Many Requests", "rate"),
    (
        'Traceback (most recent call last):\n  File "/a/b.py", line 3, in <module>\n    import x\n'
        "ModuleNotFoundError: No module named 'x'",
        "traceback",
    ),
    (
        'Traceback (most recent call last):\n  File "/a/c.py", line 9, in main\n    run()\n'
        '  File "/a/d.py", line 12, in run\n    import yaml as y\n'
        "ModuleNotFoundError: No module named 'yaml'",
        "traceback",
    ),
]


def test_groups_realistic_messages_by_template():
    messages = [message for message, _ in LABELLED]
    labels = [label for _, label in LABELLED]
    result = mine(messages)
    assert grouping_accuracy(result.assignments, labels) == 1.0


def test_values_differing_only_in_digits_share_a_template():
    result = mine(["generating core.42", "generating core.4505", "generating core.7", "generating report"])
    assert result.assignments[0] == result.assignments[1] == result.assignments[2]
    assert result.assignments[3] != result.assignments[0]


def test_distinct_status_codes_never_merge():
    result = mine([f"GET /v1/x status: {code} len: 12 time: 0.1" for code in (200, 404, 200, 404)])
    assert result.assignments[0] == result.assignments[2]
    assert result.assignments[0] != result.assignments[1]


def test_result_is_consistent_with_assignments():
    messages = [message for message, _ in LABELLED]
    result = mine(messages)
    assert isinstance(result, MiningResult)
    assert sorted(i for c in result.clusters.values() for i in c.member_indices) == list(range(len(messages)))
    for cluster_id, cluster in result.clusters.items():
        assert cluster.cluster_id == cluster_id
        assert cluster.size == len(cluster.member_indices)
        assert list(cluster.member_indices) == sorted(cluster.member_indices)
        assert all(result.assignments[i] == cluster_id for i in cluster.member_indices)


def test_template_text_uses_placeholders():
    result = mine(["ModuleNotFoundError: No module named 'a'", "ModuleNotFoundError: No module named 'b'"])
    (cluster,) = result.clusters.values()
    assert cluster.template == "ModuleNotFoundError: No module named <QUOTED>"
    assert cluster.size == 2


def test_same_input_same_partition():
    messages = [message for message, _ in LABELLED] * 3
    first, second = mine(messages), mine(messages)
    assert first.assignments == second.assignments
    assert first.clusters == second.clusters


def test_incremental_add_matches_mine_and_reports_progress():
    messages = [message for message, _ in LABELLED]
    miner = FailureMiner(MinerConfig())
    arrival = [miner.add(message) for message in messages]
    assert all(isinstance(cluster_id, int) for cluster_id in arrival)
    seen = []
    assert miner.result() == mine(messages, progress=seen.append)
    assert seen == list(range(1, len(messages) + 1))


def test_unmasked_config_still_mines():
    result = mine(["a b c", "a b d"], MinerConfig(mask=False))
    assert len(result.assignments) == 2


def test_empty_and_whitespace_messages():
    result = mine(["", "   ", "KeyError: 'x'"])
    assert result.assignments[0] == result.assignments[1]
    assert result.assignments[2] != result.assignments[0]


def test_import_does_not_load_drain3():
    code = "import sys, pytest_autopack.patterns.miner; print('drain3' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"


def test_generalises_to_failure_kinds_the_dev_file_lacks():
    """GA on synthetic templates of other tools (Go, Rust, JVM, Docker, k8s, gcc, ssh, ...)."""
    messages, labels = labelled_messages()
    assert grouping_accuracy(mine(messages).assignments, labels) >= 0.95


def test_short_messages_tolerate_one_name_but_not_one_prose_word():
    result = mine([
        "Error: unknown flag: --verbose",
        "Error: unknown flag: --dry-run",
        "NameError: uninitialized constant User",
        "NameError: uninitialized constant Billing::Invoice",
        "Session 3 created",
        "Session 4 destroyed",
        "Error: unknown flag: --output",
        "Unknown command: foo",
        "Unknown command: bar",
        "> Task :app:test FAILED",
        "> Task :core:compileJava FAILED",
        "HBM brightnessIn =3",
        "HBM brightnessOut =3",
    ])
    a = result.assignments
    assert a[0] == a[1] == a[6]
    assert a[2] == a[3]
    assert a[4] != a[5]
    assert a[7] == a[8]
    assert a[9] == a[10]
    assert a[11] != a[12]  # a CamelCase word in a log statement is usually its own constant
