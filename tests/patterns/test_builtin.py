"""The six built-in detectors on real message variants: positives, near misses, concrete mitigations."""

from __future__ import annotations

import pytest

from pytest_autopack.patterns.builtin import BUILTIN_DETECTORS
from pytest_autopack.patterns.registry import Registry

BY_ID = {d.pattern_id: d for d in BUILTIN_DETECTORS}

POSITIVES = {
    "python_missing_dep": [
        "ModuleNotFoundError: No module named 'yaml'",
        "ModuleNotFoundError: No module named 'autopack.memory'",
        'Traceback (most recent call last):\n  File "/home/ci/repo/lib/schemas.py", line 34, in <module>\n'
        "    import qdrant_client\nModuleNotFoundError: No module named 'qdrant_client'",
        "ImportError: No module named dotenv",
        'E   ModuleNotFoundError: No module named "cv2"',
    ],
    "node_missing_dep": [
        "Error: Cannot find module 'dotenv'",
        "Error: Cannot find module 'react-dom/client'\nRequire stack:\n- /home/ci/workspace/api/server.js",
        "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express' imported from /app/index.mjs",
        "Error: Cannot find module '../utils/format'",
        "{ code: 'MODULE_NOT_FOUND', requireStack: [] }",
    ],
    "wrong_working_dir": [
        "FileNotFoundError: [Errno 2] No such file or directory: 'requirements.txt'",
        "FileNotFoundError: [Errno 2] No such file or directory: '/home/runner/repo/pyproject.toml'",
        "npm ERR! enoent ENOENT: no such file or directory, open '/home/ci/app/package.json'",
        "ERROR: Could not open requirements file: [Errno 2] No such file or directory: 'requirements.txt'",
        "FileNotFoundError: [WinError 2] The system cannot find the file specified: 'C:\\\\work\\\\go.mod'",
    ],
    "scope_mismatch": [
        "scope violation: attempted to modify pyproject.toml outside allowed scope ['src/autopack/']",
        "scope violation: 3 files outside scope: src/autopack/models.py, lib/utils.py",
        "Patch touches src/x.py which is not in governed scope",
        "Governance blocked write to docs/a.md: path outside the phase scope",
    ],
    "missing_test_discovery": [
        "collected 0 items",
        "no tests ran in 2.50s",
        "ERROR: file or directory not found: tests/test_api.py",
        "No tests found, exiting with code 1",
        "Ran 0 tests in 0.000s",
    ],
    "permission_error": [
        "PermissionError: [Errno 13] Permission denied: '/workspace/repo/src/autopack/memory_service.py'",
        "Error: EACCES: permission denied, open '/usr/lib/node_modules/.package-lock.json'",
        "PermissionError: [WinError 5] Access is denied: 'C:\\\\Users\\\\dev\\\\app.log'",
        "cp: cannot create regular file '/etc/hosts': Operation not permitted",
    ],
}

# Near misses: messages that share words with a pattern but are a different failure.
NEAR_MISSES = {
    "python_missing_dep": [
        "ImportError: cannot import name 'get_db' from 'services.auth' (/app/services/auth.py)",
        "AttributeError: module 'yaml' has no attribute 'safe_load_all'",
        "pip install finished: named module cache rebuilt",
    ],
    "node_missing_dep": [
        "TypeError: Cannot read properties of undefined (reading 'module')",
        "SyntaxError: Cannot use import statement outside a module",
    ],
    "wrong_working_dir": [
        "FileNotFoundError: [Errno 2] No such file or directory: 'tests/fixtures/input.csv'",
        "Updated package.json with new scripts",
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0) in pyproject.toml",
    ],
    "scope_mismatch": [
        "NameError: name 'scope' is not defined",
        "Phase scope loaded: 4 files",
    ],
    "missing_test_discovery": [
        "collected 10 items",
        "3 passed, 1 failed in 2.31s",
        "ERROR collecting tests/test_auth.py",
    ],
    "permission_error": [
        "openai.AuthenticationError: 401 invalid api key",
        "HTTP 403 Forbidden from https://api.example.com/v1/runs",
    ],
}


@pytest.mark.parametrize(("pattern_id", "message"), [(pid, m) for pid, messages in POSITIVES.items() for m in messages])
def test_detector_recognises_real_variants(pattern_id, message):
    assert BY_ID[pattern_id].detect(message, {}) is True


@pytest.mark.parametrize(
    ("pattern_id", "message"), [(pid, m) for pid, messages in NEAR_MISSES.items() for m in messages]
)
def test_detector_ignores_near_misses(pattern_id, message):
    assert BY_ID[pattern_id].detect(message, {}) is False


def test_ids_and_priorities_are_autopacks():
    assert {d.pattern_id: d.priority for d in BUILTIN_DETECTORS} == {
        "python_missing_dep": 1,
        "node_missing_dep": 1,
        "wrong_working_dir": 2,
        "scope_mismatch": 2,
        "missing_test_discovery": 3,
        "permission_error": 4,
    }


def test_each_mitigation_returns_autopacks_result_fields():
    for detector in BUILTIN_DETECTORS:
        result = detector.mitigate(POSITIVES[detector.pattern_id][0], {}).to_dict()
        assert set(result) == {"success", "pattern_id", "actions_taken", "suggestions", "fixed"}
        assert result["pattern_id"] == detector.pattern_id
        assert result["success"] is True and result["fixed"] is False
        assert result["suggestions"] and all(isinstance(s, str) for s in result["suggestions"])


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ("ModuleNotFoundError: No module named 'yaml'", "python -m pip install PyYAML"),
        ("ModuleNotFoundError: No module named 'sklearn.linear_model'", "python -m pip install scikit-learn"),
        ("ModuleNotFoundError: No module named 'requests'", "python -m pip install requests"),
        ("ImportError: No module named dotenv", "python -m pip install python-dotenv"),
    ],
)
def test_python_mitigation_names_the_distribution(message, command):
    assert command in BY_ID["python_missing_dep"].mitigate(message, {}).suggestions


def test_python_mitigation_uses_the_workspace(tmp_path):
    (tmp_path / "src" / "myapp").mkdir(parents=True)
    (tmp_path / "requirements.txt").write_text("requests\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.poetry]\nname = 'x'\n", encoding="utf-8")
    own = BY_ID["python_missing_dep"].mitigate("No module named 'myapp.core'", {"workspace": tmp_path})
    assert not any("pip install myapp" in s for s in own.suggestions)
    assert any("pip install -e ." in s for s in own.suggestions)
    third = BY_ID["python_missing_dep"].mitigate("No module named 'yaml'", {"workspace": str(tmp_path)})
    assert third.suggestions[:3] == [
        "python -m pip install PyYAML",
        "python -m pip install -r requirements.txt",
        "poetry install",
    ]


def test_node_mitigation_picks_the_package_and_the_manager(tmp_path):
    (tmp_path / "yarn.lock").write_text("", encoding="utf-8")
    detector = BY_ID["node_missing_dep"]
    assert detector.mitigate("Error: Cannot find module 'react-dom/client'", {}).suggestions[0] == (
        "npm install react-dom"
    )
    scoped = detector.mitigate("Error: Cannot find module '@babel/core/lib/x'", {"workspace": tmp_path})
    assert scoped.suggestions[0] == "yarn add @babel/core"
    relative = detector.mitigate("Error: Cannot find module '../utils/format'", {}).suggestions
    assert "npm install" not in " ".join(relative) and "../utils/format" in relative[0]


def test_wrong_working_dir_names_the_directory_that_has_the_marker(tmp_path):
    (tmp_path / "frontend").mkdir()
    (tmp_path / "frontend" / "package.json").write_text("{}", encoding="utf-8")
    message = "npm ERR! enoent ENOENT: no such file or directory, open '/ci/package.json'"
    result = BY_ID["wrong_working_dir"].mitigate(message, {"workspace": tmp_path, "cwd": "/ci"})
    assert result.suggestions[0] == f"cd {tmp_path / 'frontend'} (the command ran in /ci)"


def test_scope_mitigation_lists_offending_files_and_allowed_scope():
    message = "scope violation: attempted to modify pyproject.toml outside allowed scope ['src/autopack/', 'docs/']"
    suggestions = BY_ID["scope_mismatch"].mitigate(message, {}).suggestions
    assert "Revert the change to pyproject.toml" in suggestions
    assert "Only modify files within the allowed scope: src/autopack/, docs/" in suggestions
    listed = BY_ID["scope_mismatch"].mitigate("scope violation: 2 files outside scope: a.py, b/c.py", {})
    assert listed.suggestions[:2] == ["Revert the change to a.py", "Revert the change to b/c.py"]


def test_test_discovery_mitigation_points_at_the_tests(tmp_path):
    (tmp_path / "tests").mkdir()
    result = BY_ID["missing_test_discovery"].mitigate("collected 0 items", {"workspace": tmp_path})
    assert "python -m pytest tests/ -v" in result.suggestions
    missing = BY_ID["missing_test_discovery"].mitigate("ERROR: file or directory not found: tests/x.py", {})
    assert missing.suggestions[0].startswith("Check that tests/x.py exists")


def test_permission_mitigation_names_the_path():
    message = "Error: EACCES: permission denied, open '/usr/lib/node_modules/.package-lock.json'"
    suggestions = BY_ID["permission_error"].mitigate(message, {}).suggestions
    assert any("npm config set prefix" in s for s in suggestions)
    assert any("/usr/lib/node_modules/.package-lock.json" in s for s in suggestions)


def test_priority_decides_between_two_matching_detectors():
    # Both python_missing_dep (1) and permission_error (4) match; priority 1 wins, like Autopack.
    message = "ModuleNotFoundError: No module named 'x' (while reading: Permission denied)"
    match = Registry(BUILTIN_DETECTORS).detect_and_mitigate(message, {})
    assert match is not None and match.result.pattern_id == "python_missing_dep"
