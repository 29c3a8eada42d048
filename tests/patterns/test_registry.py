"""Registry: built-ins, generated modules loaded by path from configured dirs, entry points."""

from __future__ import annotations

import sys
import textwrap

import pytest

from pytest_autopack.errors import UsageError
from pytest_autopack.patterns.builtin import Detector, MitigationResult
from pytest_autopack.patterns.registry import ENTRY_POINT_GROUP, Registry, load_registry

GENERATED = textwrap.dedent(
    """
    PATTERN_ID = "timeout_error_1234abcd"
    PRIORITY = 5

    def detect_timeout_error_1234abcd(error_message, context=None):
        return isinstance(error_message, str) and error_message.startswith("Phase timed out")

    def mitigate_timeout_error_1234abcd(phase_id, context=None):
        return {"success": True, "actions_taken": ["noted " + phase_id], "message": "Raise the timeout",
                "retry_recommended": True}
    """
)


def test_builtins_only_by_default_in_autopack_order():
    registry = load_registry(entry_points=False)
    assert registry.pattern_ids == [
        "python_missing_dep",
        "node_missing_dep",
        "wrong_working_dir",
        "scope_mismatch",
        "missing_test_discovery",
        "permission_error",
    ]
    assert registry.detect_and_mitigate("Phase timed out after 600s", {}) is None


def test_generated_module_is_loaded_by_path_and_adapted(tmp_path):
    (tmp_path / "pattern_timeout_error_1234abcd.py").write_text(GENERATED, encoding="utf-8")
    registry = load_registry([tmp_path], entry_points=False)
    match = registry.detect_and_mitigate("Phase timed out after 600s", {"phase_id": "p-7"})
    assert match is not None
    assert match.result.to_dict() == {
        "success": True,
        "pattern_id": "timeout_error_1234abcd",
        "actions_taken": ["noted p-7"],
        "suggestions": ["Raise the timeout"],
        "fixed": False,
    }
    assert match.detector.origin == str((tmp_path / "pattern_timeout_error_1234abcd.py").resolve())
    assert not any(str(tmp_path) == p for p in sys.path)  # nothing was put on sys.path


def test_discovery_ignores_other_files_and_subdirectories(tmp_path):
    (tmp_path / "helper.py").write_text("raise SystemExit('must not be imported')\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pattern_evil.py").write_text("raise SystemExit('must not be imported')\n", encoding="utf-8")
    assert load_registry([tmp_path], entry_points=False).pattern_ids[-1] == "permission_error"


def test_discovery_refuses_symlinks_leading_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pattern_x.py").write_text("raise SystemExit('must not be imported')\n", encoding="utf-8")
    inside = tmp_path / "inside"
    inside.mkdir()
    try:
        (inside / "pattern_x.py").symlink_to(outside / "pattern_x.py")
    except OSError:
        pytest.skip("symlinks not permitted here")
    assert "x" not in load_registry([inside], entry_points=False).pattern_ids


def test_broken_generated_module_is_a_clear_error(tmp_path):
    (tmp_path / "pattern_bad.py").write_text("def oops(:\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"pattern_bad\.py failed to import: SyntaxError"):
        load_registry([tmp_path], entry_points=False)


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError, match="pattern directory not found"):
        load_registry([tmp_path / "nope"], entry_points=False)


def test_entry_point_detectors_are_registered(tmp_path, monkeypatch):
    # A real installed-distribution layout on sys.path: importlib.metadata finds the entry point.
    (tmp_path / "acme_patterns.py").write_text(
        textwrap.dedent(
            """
            from pytest_autopack.patterns.builtin import Detector, MitigationResult

            def _detect(message, context):
                return "ACME-42" in message

            def _mitigate(message, context):
                return MitigationResult(True, "acme_quota", ["seen"], ["ask ACME for more quota"])

            def detectors():
                return [Detector("acme_quota", "ACME quota", "quota", 3, _detect, _mitigate)]
            """
        ),
        encoding="utf-8",
    )
    dist = tmp_path / "acme_patterns-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-patterns\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nacme = acme_patterns:detectors\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_registry()
    assert "acme_quota" in registry.pattern_ids
    match = registry.detect_and_mitigate("upstream said ACME-42", {})
    assert match is not None and match.result.suggestions == ["ask ACME for more quota"]
    assert match.detector.origin == "entry point acme"
    monkeypatch.delitem(sys.modules, "acme_patterns", raising=False)


def test_a_raising_detector_does_not_stop_the_others(caplog):
    def explode(message, context):
        raise RuntimeError("bug in a third-party detector")

    def never(message, context):
        return MitigationResult(True, "x", [], [])

    registry = Registry([Detector("broken", "Broken", "", 0, explode, never)])
    registry.register(Detector("ok", "Ok", "", 9, lambda m, c: True, lambda m, c: MitigationResult(True, "ok")))
    match = registry.detect_and_mitigate("anything", {})
    assert match is not None and match.detector.pattern_id == "ok"
    assert "broken" in caplog.text


def test_register_replaces_same_id_in_place():
    registry = load_registry(entry_points=False)
    replacement = Detector(
        "scope_mismatch", "Mine", "", 2, lambda m, c: False, lambda m, c: MitigationResult(True, "s")
    )
    registry.register(replacement)
    assert registry.pattern_ids.index("scope_mismatch") == 3
    assert registry.match("scope violation: x outside scope", {}) is None
