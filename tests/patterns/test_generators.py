"""Generators: files compile, generated tests pass as generated, determinism, no overwrite of edits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from expansion_data import make_analysis, make_targets

from pytest_autopack.generators.emit import Targets, generate, is_unedited, render_all
from pytest_autopack.patterns.registry import load_registry


@pytest.fixture
def analysis():
    return make_analysis()


@pytest.fixture
def targets(tmp_path):
    return make_targets(tmp_path)


def test_files_for_each_reported_pattern(analysis, targets):
    outcomes = generate(analysis.reported, analysis.patterns, targets)
    assert len(analysis.reported) == 5
    assert {o.status for o in outcomes} == {"created"}
    names = sorted(o.path.name for o in outcomes)
    assert names[0] == "PATTERN_" + sorted(p.id for p in analysis.reported)[0].upper() + ".md"
    assert len(names) == 1 + 3 * 5
    for pattern in analysis.reported:
        module = targets.output_dir / f"pattern_{pattern.id}.py"
        compile(module.read_text(encoding="utf-8"), str(module), "exec")
        test = targets.tests_dir / f"test_pattern_{pattern.id}.py"
        compile(test.read_text(encoding="utf-8"), str(test), "exec")
        backlog = (targets.backlog_dir / f"PATTERN_{pattern.id.upper()}.md").read_text(encoding="utf-8")
        for heading in (
            "**Status**: TODO",
            "## Sample errors",
            "**Keywords**",
            "## Mitigation ideas",
            "## Implementation checklist",
        ):
            assert heading in backlog


def test_generated_tests_pass_as_generated(analysis, targets, pytester):
    generate(analysis.reported, analysis.patterns, targets)
    result = pytester.runpytest_subprocess(str(targets.tests_dir), "-p", "no:cacheprovider")
    # 5 patterns x (samples + negatives + 2 shape tests); every one passes, none skipped.
    result.assert_outcomes(passed=result.parseoutcomes()["passed"])
    assert result.ret == 0 and result.parseoutcomes()["passed"] >= 5 * 4


def test_generated_package_exposes_detectors_and_mitigators(analysis, targets):
    generate(analysis.reported, analysis.patterns, targets)
    code = (
        "import json, detectors\n"
        "print(json.dumps({k: [d(m, {}) for m in ('Phase timed out after 5s', 'KeyError: \\'x\\'')] "
        "for k, d in detectors.PATTERN_DETECTORS.items()}))\n"
        "print(sorted(detectors.PATTERN_MITIGATORS) == sorted(detectors.PATTERN_DETECTORS))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=targets.output_dir.parent, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    detected = json.loads(out[0])
    assert set(detected) == {p.id for p in analysis.reported}
    assert sum(hits[0] for hits in detected.values()) == 1 and sum(hits[1] for hits in detected.values()) == 1
    assert out[1] == "True"


def test_registry_picks_up_generated_detectors(analysis, targets):
    generate(analysis.reported, analysis.patterns, targets)
    registry = load_registry([targets.output_dir], entry_points=False)
    match = registry.detect_and_mitigate("Phase timed out after 900s", {"phase_id": "p-1"})
    assert match is not None and match.detector.pattern_id.startswith("timeout_error_")
    assert match.result.success and match.result.suggestions[0].startswith("Retry with a longer timeout")


def test_output_is_byte_identical_for_identical_input(analysis, tmp_path):
    first = Targets(tmp_path / "a" / "pkg", tmp_path / "a" / "tests", tmp_path / "a" / "docs")
    second = Targets(tmp_path / "b" / "pkg", tmp_path / "b" / "tests", tmp_path / "b" / "docs")
    generate(analysis.reported, analysis.patterns, first)
    generate(analysis.reported, analysis.patterns, second)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    assert b"\r\n" not in (tmp_path / "a" / files_a[0]).read_bytes()


def test_rerun_is_a_no_op(analysis, targets):
    generate(analysis.reported, analysis.patterns, targets)
    assert {o.status for o in generate(analysis.reported, analysis.patterns, targets)} == {"unchanged"}


def test_rerun_never_overwrites_a_human_edit(analysis, targets):
    generate(analysis.reported, analysis.patterns, targets)
    module = targets.output_dir / f"pattern_{analysis.reported[0].id}.py"
    edited = module.read_text(encoding="utf-8").replace("return _PATTERN.fullmatch", "return  _PATTERN.fullmatch")
    module.write_text(edited, encoding="utf-8")
    outcomes = {o.path: o.status for o in generate(analysis.reported, analysis.patterns, targets)}
    assert outcomes[module] == "kept-edited"
    assert module.read_text(encoding="utf-8") == edited
    assert set(outcomes.values()) == {"unchanged", "kept-edited"}

    forced = {o.path: o.status for o in generate(analysis.reported, analysis.patterns, targets, force=True)}
    assert forced[module] == "overwritten-edited"
    assert is_unedited(module.read_text(encoding="utf-8"))


def test_a_file_without_header_counts_as_edited(analysis, targets):
    backlog = targets.backlog_dir / f"PATTERN_{analysis.reported[0].id.upper()}.md"
    backlog.parent.mkdir(parents=True)
    backlog.write_text("# my own notes\n", encoding="utf-8")
    statuses = {o.path: o.status for o in generate(analysis.reported, analysis.patterns, targets)}
    assert statuses[backlog] == "kept-edited" and backlog.read_text(encoding="utf-8") == "# my own notes\n"


def test_changed_data_updates_unedited_files(analysis, targets):
    generate(analysis.reported[:1], analysis.patterns, targets)
    test_file = targets.tests_dir / f"test_pattern_{analysis.reported[0].id}.py"
    before = test_file.read_bytes()
    # Fewer "other" patterns → fewer negatives: the unedited test file is regenerated in place.
    statuses = {o.path: o.status for o in generate(analysis.reported[:1], analysis.patterns[:2], targets)}
    assert statuses[test_file] == "updated" and test_file.read_bytes() != before


def test_crlf_checkout_is_not_an_edit(analysis, targets):
    files = render_all(analysis.reported[:1], analysis.patterns, targets)
    text = next(iter(files.values()))
    assert is_unedited(text) and is_unedited(text.replace("\n", "\r\n"))
    assert not is_unedited(text + "# more\n")


# --- regex derivation (what the generated detectors match with) --------------------------------


def test_regex_matches_a_multiline_message_whose_template_joins_lines():
    from pytest_autopack.patterns.regexes import derive_regex, matches

    members = [
        '  File "/app/x.py", line 3\nSyntaxError: invalid syntax',
        'File "C:\\\\a b\\\\y.py", line 9\n  SyntaxError: invalid syntax',
    ]
    regex = derive_regex("File <PATH>, line <NUM> | SyntaxError: invalid syntax", members)
    assert regex.verified and all(matches(regex.pattern, m) for m in members)
    assert not matches(regex.pattern, 'File "/app/x.py", line 3\nNameError: name x is not defined')


def test_derived_regexes_fail_fast_on_long_non_matching_messages():
    import time

    from pytest_autopack.patterns.regexes import derive_regex, matches

    templates = [
        ("<*> <*> <*> <*> <*> failed after <NUM> attempts", "a b c d e failed after 3 attempts"),
        ("FAILED <NODEID> - AssertionError: assert <EXPR>", "FAILED t.py::x - AssertionError: assert 1 == 2"),
        ("npm ERR! code <*> | npm ERR! errno <NUM>", "npm ERR! code E1\nnpm ERR! errno 1"),
    ]
    adversarial = ("a - b failed after x " * 5000) + "\n" + "npm ERR! code " * 2000
    for template, member in templates:
        regex = derive_regex(template, [member])
        assert regex.verified
        started = time.perf_counter()
        assert not matches(regex.pattern, adversarial)
        assert time.perf_counter() - started < 1.0, regex
