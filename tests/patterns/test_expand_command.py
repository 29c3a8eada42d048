"""``autopack patterns expand`` end to end: reports, JSON, generation, progress and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from expansion_data import ScratchDatabases, failure_records

from pytest_autopack.cli import main
from pytest_autopack.patterns.registry import load_registry


def write_input(path, extra=()):
    rows = [
        {"message": r.message, "run_id": r.run_id, "phase_id": r.phase_id, "created_at": r.created_at}
        for r in failure_records()
    ]
    rows += list(extra)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def expand(capsys, *args):
    code = main(["patterns", "expand", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def input_file(tmp_path):
    return write_input(
        tmp_path / "failures.jsonl",
        [{"message": "ModuleNotFoundError: No module named 'yaml'", "run_id": "run-0", "phase_id": "p"}],
    )


def test_readable_report(capsys, input_file):
    code, out, err = expand(capsys, "--input", input_file)
    assert code == 0 and err == ""
    assert out.splitlines()[0] == (
        "Uncaught failure patterns (input:failures.jsonl): 28 messages, 1 already caught, 6 templates"
    )
    assert "[1] timeout_error_" in out and "(7 occurrences, confidence high)" in out
    assert "[6]" not in out  # --top 5


def test_json_has_assignments_for_every_message(capsys, input_file):
    code, out, _ = expand(capsys, "--input", input_file, "--json", "--min-occurrences", "4", "--top", "2")
    document = json.loads(out)
    assert code == 0 and len(document["patterns"]) == 2
    assert document["meta"]["min_occurrences"] == 4 and document["meta"]["messages_caught"] == 1
    assert len(document["assignments"]) == 28
    assert document["assignments"][-1] is None  # the built-in detector caught it
    assert all(a in document["templates"] for a in document["assignments"][:-1])
    # Every family gets its id, including the 2-message one that is below the thresholds.
    ids = document["assignments"][:-1]
    assert len(set(ids)) == 6 and min(ids.count(i) for i in set(ids)) == 2

    _, out, _ = expand(capsys, "--input", input_file, "--json", "--include-caught")
    assert None not in json.loads(out)["assignments"]


def test_run_filter(capsys, input_file):
    _, out, _ = expand(capsys, "--input", input_file, "--json", "--run-id", "run-1", "--min-occurrences", "1")
    document = json.loads(out)
    assert document["meta"]["run_id_filter"] == "run-1"
    assert all(p["run_ids"] == ["run-1"] for p in document["patterns"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "{tmp}/absent.jsonl"], "--input: file not found: {tmp}/absent.jsonl"),
        (["--input", "{tmp}/bad.jsonl"], "{tmp}/bad.jsonl:3: malformed JSON line (Expecting value at column 1)"),
        (["--input", "{tmp}/empty.jsonl"], "no failure messages found in input:empty.jsonl: nothing to mine"),
        (["--input", "{tmp}/bad.jsonl", "--top", "0"], "--top: must be at least 1, got 0"),
        (["--input", "{tmp}/bad.jsonl", "--min-occurrences", "-2"], "--min-occurrences: must be at least 1, got -2"),
        (["--input", "{tmp}/bad.jsonl", "--top", "many"], "--top: expected a whole number, got 'many'"),
        (
            ["--input", "{tmp}/bad.jsonl", "--generate-code", "--output-dir", "{tmp}/o"],
            "--generate-code needs --tests-dir, --backlog-dir",
        ),
        (["--errors-dir", "{tmp}/nothing"], "--errors-dir: directory not found: {tmp}/nothing"),
    ],
)
def test_user_mistakes_are_one_line_errors(capsys, tmp_path, args, message):
    (tmp_path / "bad.jsonl").write_text('{"message": "a"}\n\nnot json\n', encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    code, out, err = expand(capsys, *(a.format(tmp=tmp_path) for a in args))
    assert code == 2 and out == ""
    assert err == f"autopack patterns: error: {message.format(tmp=tmp_path)}\n"


def test_input_and_errors_dir_are_exclusive(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["patterns", "expand", "--input", "a.jsonl", "--errors-dir", str(tmp_path)])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_generate_code_end_to_end(capsys, tmp_path, input_file, pytester):
    dirs = [
        "--output-dir",
        tmp_path / "pkg" / "detectors",
        "--tests-dir",
        tmp_path / "tests",
        "--backlog-dir",
        tmp_path / "docs" / "backlog",
    ]
    code, out, _ = expand(capsys, "--input", input_file, "--generate-code", *dirs)
    assert code == 0 and out.count("created  ") == 16

    result = pytester.runpytest_subprocess(str(tmp_path / "tests"), "-p", "no:cacheprovider")
    assert result.ret == 0 and "failed" not in result.parseoutcomes()

    registry = load_registry([tmp_path / "pkg" / "detectors"], entry_points=False)
    hits = {}
    for record in failure_records():
        match = registry.detect_and_mitigate(record.message, {"phase_id": record.phase_id})
        if match is not None:
            hits.setdefault(match.detector.pattern_id, set()).add(record.phase_id)
    assert len(hits) == 5 and all(pid.split("_")[-1] for pid in hits)

    module = next((tmp_path / "pkg" / "detectors").glob("pattern_*.py"))
    module.write_text(module.read_text(encoding="utf-8") + "# tuned by hand\n", encoding="utf-8")
    _, out, _ = expand(capsys, "--input", input_file, "--generate-code", *dirs)
    assert f"kept-edited  {module} (edited by hand; --force overwrites)" in out
    assert out.count("unchanged  ") == 15
    assert module.read_text(encoding="utf-8").endswith("# tuned by hand\n")
    _, out, _ = expand(capsys, "--input", input_file, "--generate-code", *dirs, "--force")
    assert f"overwritten-edited  {module}" in out and "# tuned by hand" not in module.read_text(encoding="utf-8")


def test_json_with_generation_keeps_stdout_parseable(capsys, tmp_path, input_file):
    dirs = ["--output-dir", tmp_path / "o", "--tests-dir", tmp_path / "t", "--backlog-dir", tmp_path / "b"]
    _, out, err = expand(capsys, "--input", input_file, "--generate-code", "--json", *dirs)
    assert json.loads(out)["meta"]["total_patterns"] == 5 and "created" in err


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")
def test_progress_is_shown_on_a_terminal(tmp_path):
    import pty

    big = tmp_path / "big.jsonl"
    big.write_text(
        "".join(json.dumps({"message": f"Phase timed out after {i}s"}) + "\n" for i in range(2500)), encoding="utf-8"
    )
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest_autopack.cli", "patterns", "expand", "--input", str(big), "--json"],
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=120,
            check=False,
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert proc.returncode == 0 and json.loads(proc.stdout)["meta"]["messages_total"] == 2500
    assert b"\rmining: 1000/2500" in shown and b"\rmining: 2500/2500\n" in shown.replace(b"\r\n", b"\n")


def test_no_progress_noise_when_stderr_is_not_a_terminal(tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps({"message": f"E{i}: boom"}) + "\n" for i in range(1500)), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest_autopack.cli", "patterns", "expand", "--input", str(big)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0 and proc.stderr == ""


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    dbs = ScratchDatabases(request.param, tmp_path)
    yield dbs.new()
    dbs.close()


def test_seed_expand_generate_test_and_register_on_both_databases(capsys, tmp_path, empty_db, pytester):
    """The README path: seed → expand → generate → pytest passes → registry matches the dataset's phases."""
    url = empty_db.raw
    assert main(["seed", "--db-url", url, "--errors-dir", str(tmp_path / "errors")]) == 0
    capsys.readouterr()
    detectors, tests, backlog = tmp_path / "pkg" / "detectors", tmp_path / "tests", tmp_path / "backlog"
    code, out, _ = expand(
        capsys,
        "--db-url",
        url,
        "--generate-code",
        "--output-dir",
        detectors,
        "--tests-dir",
        tests,
        "--backlog-dir",
        backlog,
    )
    assert code == 0 and out.startswith(f"Uncaught failure patterns (database:{empty_db.dialect})")
    shown = out.split("Registered detectors on the mined failures:\n", 1)[1].splitlines()
    assert len(shown) == 5 and all(" run/phase(s): " in line for line in shown)
    generated = sorted(p.stem.removeprefix("pattern_") for p in detectors.glob("pattern_*.py"))
    assert len(generated) == 5

    result = pytester.runpytest_subprocess(str(tests), "-p", "no:cacheprovider")
    assert result.ret == 0 and "failed" not in result.parseoutcomes()
    capsys.readouterr()  # pytester's own "running: ..." lines

    code, out, err = expand(capsys, "--db-url", url, "--json", "--min-occurrences", "1", "--top", "100")
    assert code == 0, err
    document = json.loads(out)
    registry = load_registry([detectors], entry_points=False)
    matched_phases = {}
    from pytest_autopack.patterns.sources import read_database

    for record in read_database(empty_db).records:
        match = registry.detect_and_mitigate(record.message, {"phase_id": record.phase_id})
        if match is not None and match.detector.pattern_id in generated:
            matched_phases.setdefault(match.detector.pattern_id, set()).add((record.run_id, record.phase_id))
    assert set(matched_phases) == set(generated)
    by_id = {p["id"]: p for p in document["patterns"]}
    for pattern_id, phases in matched_phases.items():
        assert {phase for _, phase in phases} >= set(by_id[pattern_id]["phase_ids"])

    # The same failures from the error-report files (no database) give the same top patterns.
    code, out, _ = expand(capsys, "--errors-dir", tmp_path / "errors", "--json")
    assert code == 0 and {p["id"] for p in json.loads(out)["patterns"]} & set(generated)


def test_odd_unicode_prints_on_a_legacy_console(tmp_path):
    source = tmp_path / "u.jsonl"
    rows = [{"message": f"UnicodeError: bad char \ud800 in café \U0001f680 item {i}"} for i in range(4)]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    for extra in ([], ["--json"]):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest_autopack.cli", "patterns", "expand", "--input", str(source), *extra],
            capture_output=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert proc.returncode == 0 and proc.stderr == b""
    assert json.loads(proc.stdout)["patterns"][0]["occurrence_count"] == 4
