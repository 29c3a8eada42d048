"""Autopack's six failure-hardening detectors, with mitigations that name the concrete fix.

Ids, names and priorities are Autopack's (``src/autopack/failure_hardening.py``) so that a phase
marked ``HARDENING_MITIGATED: <pattern_id>`` by Autopack and a match here mean the same thing.
The detectors are stricter than Autopack's where its regexes caught unrelated failures (e.g.
``ImportError: cannot import name`` is an API mismatch, not a missing dependency), and every
mitigation reads the message itself so it can say *which* package to install or *which*
directory to change to, not only that something is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_autopack.patterns import suggest


@dataclass(frozen=True)
class MitigationResult:
    """Autopack's ``MitigationResult``: what was detected and what to do about it."""

    success: bool
    pattern_id: str
    actions_taken: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    fixed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The result as a plain dict with Autopack's five keys."""
        return {
            "success": self.success,
            "pattern_id": self.pattern_id,
            "actions_taken": list(self.actions_taken),
            "suggestions": list(self.suggestions),
            "fixed": self.fixed,
        }


DetectFn = Callable[[str, Mapping[str, Any]], bool]
MitigateFn = Callable[[str, Mapping[str, Any]], MitigationResult]


@dataclass(frozen=True)
class Detector:
    """One failure pattern: a detector, its mitigation and its priority (1 = tried first)."""

    pattern_id: str
    name: str
    description: str
    priority: int
    detect: DetectFn
    mitigate: MitigateFn
    origin: str = "builtin"


def _workspace(context: Mapping[str, Any]) -> Path | None:
    value = context.get("workspace") if context else None
    return Path(value) if value else None


# --- python_missing_dep -----------------------------------------------------------------------
_PY_MISSING = re.compile(
    r"(?:ModuleNotFoundError:\s*)?No module named\s+"
    r"(?:['\"](?P<quoted>[\w.]+)['\"]|(?P<bare>[A-Za-z_][\w.]*))"
)


def detect_python_missing_dep(message: str, context: Mapping[str, Any]) -> bool:
    """``No module named 'x'`` in any of Python's spellings (ModuleNotFoundError, old ImportError)."""
    return bool(message) and _PY_MISSING.search(message) is not None


def mitigate_python_missing_dep(message: str, context: Mapping[str, Any]) -> MitigationResult:
    """Name the distribution to install, or the editable install when the module is the project's own."""
    match = _PY_MISSING.search(message or "")
    module = (match.group("quoted") or match.group("bare")) if match else None
    suggestions = suggest.python_install(module, _workspace(context))
    actions = [f"Detected missing Python module {module!r}" if module else "Detected missing Python module"]
    return MitigationResult(True, "python_missing_dep", actions, suggestions, False)


# --- node_missing_dep -------------------------------------------------------------------------
_NODE_MISSING = re.compile(
    r"Cannot find (?:module|package) ['\"](?P<spec>[^'\"\s]+)['\"]|\b(?:ERR_)?MODULE_NOT_FOUND\b"
)


def detect_node_missing_dep(message: str, context: Mapping[str, Any]) -> bool:
    """Node's ``Cannot find module 'x'`` / ``ERR_MODULE_NOT_FOUND`` (CommonJS and ES modules)."""
    return bool(message) and _NODE_MISSING.search(message) is not None


def mitigate_node_missing_dep(message: str, context: Mapping[str, Any]) -> MitigationResult:
    """Install the package with the project's package manager, or fix the path of a relative import."""
    match = _NODE_MISSING.search(message or "")
    spec = match.group("spec") if match else None
    suggestions = suggest.node_install(spec, _workspace(context))
    actions = [f"Detected missing Node.js module {spec!r}" if spec else "Detected missing Node.js module"]
    return MitigationResult(True, "node_missing_dep", actions, suggestions, False)


# --- wrong_working_dir ------------------------------------------------------------------------
PROJECT_MARKERS = (
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Cargo.toml",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "tsconfig.json",
    "Makefile",
    "tox.ini",
    "Pipfile",
)
_NOT_FOUND = re.compile(
    r"(?:FileNotFoundError|ENOENT|No such file or directory|cannot find the (?:file|path) specified"
    r"|Could not open requirements file)",
    re.IGNORECASE,
)
_QUOTED_PATH = re.compile(r"['\"](?P<path>[^'\"\n]+)['\"]")
_MARKER_AT_END = re.compile(r"(?:^|[\\/\s'\"])(?P<marker>" + "|".join(map(re.escape, PROJECT_MARKERS)) + r")\b")


def _missing_marker(message: str) -> tuple[str, str] | None:
    """The (path, marker) of a missing project file, if the message names one."""
    for found in _QUOTED_PATH.finditer(message):
        path = found.group("path")
        name = re.split(r"[\\/]", path.rstrip("\\/"))[-1]
        if name in PROJECT_MARKERS:
            return path, name
    bare = _MARKER_AT_END.search(message)
    return (bare.group("marker"), bare.group("marker")) if bare else None


def detect_wrong_working_dir(message: str, context: Mapping[str, Any]) -> bool:
    """A file-not-found error whose missing file is a project marker (package.json, pyproject.toml…)."""
    if not message or not _NOT_FOUND.search(message):
        return False
    return _missing_marker(message) is not None


def mitigate_wrong_working_dir(message: str, context: Mapping[str, Any]) -> MitigationResult:
    """Point at the directory that actually holds the missing marker file."""
    found = _missing_marker(message or "")
    marker = found[1] if found else None
    suggestions = suggest.working_dir(marker, _workspace(context), context.get("cwd") if context else None)
    actions = [f"Detected command run outside the project root ({marker} not found)"]
    return MitigationResult(True, "wrong_working_dir", actions, suggestions, False)


# --- scope_mismatch ---------------------------------------------------------------------------
_SCOPE = re.compile(
    r"outside (?:of )?(?:the )?(?:allowed |governed |phase )?scope|not in (?:the )?governed scope"
    r"|scope violation|blocked[^\n]{0,80}\bscope\b",
    re.IGNORECASE,
)
_SCOPE_TARGET = re.compile(r"(?:modify|write|edit|touch|change)\s+['\"]?(?P<path>[^\s'\"]+)['\"]?\s+outside", re.I)
_SCOPE_LIST = re.compile(r"outside (?:the )?(?:allowed )?scope:\s*(?P<paths>[^\n]+)", re.I)
_ALLOWED = re.compile(r"(?:allowed|governed) scope\s*\[(?P<items>[^\]\n]*)\]", re.I)


def detect_scope_mismatch(message: str, context: Mapping[str, Any]) -> bool:
    """The governance gate refused a change to a file outside the phase's scope."""
    return bool(message) and _SCOPE.search(message) is not None


def mitigate_scope_mismatch(message: str, context: Mapping[str, Any]) -> MitigationResult:
    """List the offending files and the allowed scope, so the builder can revert or ask for expansion."""
    text = message or ""
    offending: list[str] = []
    if target := _SCOPE_TARGET.search(text):
        offending.append(target.group("path"))
    if listed := _SCOPE_LIST.search(text):
        offending.extend(p.strip() for p in listed.group("paths").split(",") if p.strip())
    allowed: list[str] = []
    if items := _ALLOWED.search(text):
        allowed = [i.strip().strip("'\"") for i in items.group("items").split(",") if i.strip()]
    scope_paths = list(context.get("scope_paths") or []) if context else []
    suggestions = suggest.scope(offending, allowed or [str(p) for p in scope_paths])
    return MitigationResult(True, "scope_mismatch", ["Detected change outside the governed scope"], suggestions)


# --- missing_test_discovery -------------------------------------------------------------------
_NO_TESTS = re.compile(
    r"\bcollected 0 items\b|\bno tests ran\b|\bno tests collected\b|\bNo tests found\b"
    r"|ERROR: (?:file or directory )?not found:\s*(?P<target>\S+)|Ran 0 tests\b",
    re.IGNORECASE,
)


def detect_missing_test_discovery(message: str, context: Mapping[str, Any]) -> bool:
    """The test runner found nothing to run (pytest, unittest, jest spellings)."""
    return bool(message) and _NO_TESTS.search(message) is not None


def mitigate_missing_test_discovery(message: str, context: Mapping[str, Any]) -> MitigationResult:
    """Run the tests where they are, or fix the path / naming that hid them."""
    match = _NO_TESTS.search(message or "")
    target = match.group("target") if match else None
    suggestions = suggest.test_discovery(target, _workspace(context))
    return MitigationResult(True, "missing_test_discovery", ["Detected missing test discovery"], suggestions)


# --- permission_error -------------------------------------------------------------------------
_PERMISSION = re.compile(
    r"PermissionError|\bEACCES\b|\bEPERM\b|permission denied|Access is denied|Operation not permitted",
    re.IGNORECASE,
)
_DENIED_PATH = re.compile(
    r"(?:denied|not permitted)[:,]?\s*(?:open|mkdir|unlink|rename|scandir|rmdir|access|symlink)?\s*"
    r"['\"](?P<path>[^'\"\n]+)['\"]",
    re.IGNORECASE,
)


def detect_permission_error(message: str, context: Mapping[str, Any]) -> bool:
    """The OS refused access to a file (PermissionError, EACCES/EPERM, Windows ``Access is denied``)."""
    return bool(message) and _PERMISSION.search(message) is not None


def mitigate_permission_error(message: str, context: Mapping[str, Any]) -> MitigationResult:
    """Name the refused path and the usual cause for where it lives."""
    match = _DENIED_PATH.search(message or "")
    path = match.group("path") if match else None
    suggestions = suggest.permission(path)
    return MitigationResult(True, "permission_error", ["Detected permission error"], suggestions)


BUILTIN_DETECTORS: tuple[Detector, ...] = (
    # Autopack's registration order; ties in priority keep it.
    Detector(
        "python_missing_dep",
        "Python Missing Dependency",
        "ImportError or ModuleNotFoundError",
        1,
        detect_python_missing_dep,
        mitigate_python_missing_dep,
    ),
    Detector(
        "wrong_working_dir",
        "Wrong Working Directory",
        "FileNotFoundError for expected project files",
        2,
        detect_wrong_working_dir,
        mitigate_wrong_working_dir,
    ),
    Detector(
        "missing_test_discovery",
        "Missing Test Discovery",
        "Pytest/test runner found no tests",
        3,
        detect_missing_test_discovery,
        mitigate_missing_test_discovery,
    ),
    Detector(
        "scope_mismatch",
        "Scope Mismatch",
        "Attempting to modify files outside governed scope",
        2,
        detect_scope_mismatch,
        mitigate_scope_mismatch,
    ),
    Detector(
        "node_missing_dep",
        "Node.js Missing Dependency",
        "Cannot find module (Node.js)",
        1,
        detect_node_missing_dep,
        mitigate_node_missing_dep,
    ),
    Detector(
        "permission_error",
        "Permission Error",
        "PermissionError or EACCES",
        4,
        detect_permission_error,
        mitigate_permission_error,
    ),
)
