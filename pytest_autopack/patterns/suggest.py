"""Concrete suggestions for the built-in mitigations: the command to run, the directory to use.

Kept apart from the detectors so the detection rules stay readable and the suggestion logic
(which looks at the workspace on disk) can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# Import names whose distribution has a different name. Only long-standing, unambiguous ones:
# a wrong guess here would tell a user to install an unrelated (or malicious) package.
IMPORT_TO_DISTRIBUTION = {
    "yaml": "PyYAML",
    "cv2": "opencv-python",
    "PIL": "Pillow",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "git": "GitPython",
    "OpenSSL": "pyOpenSSL",
    "Crypto": "pycryptodome",
    "serial": "pyserial",
    "usb": "pyusb",
    "zmq": "pyzmq",
    "MySQLdb": "mysqlclient",
    "fitz": "PyMuPDF",
    "attr": "attrs",
    "magic": "python-magic",
    "google.protobuf": "protobuf",
}
TEST_DIRS = ("tests", "test", "__tests__", "spec")


def python_install(module: str | None, workspace: Path | None) -> list[str]:
    """The install command for a missing module, or the editable install when the project owns it."""
    suggestions: list[str] = []
    top = module.split(".")[0] if module else None
    owned = top is not None and workspace is not None and _owned_by_project(top, workspace)
    if top and owned:
        suggestions.append(
            f"'{top}' is this project's own package: run `python -m pip install -e .` "
            f"in {workspace} or add its source directory to PYTHONPATH"
        )
    elif module and top:
        dist = IMPORT_TO_DISTRIBUTION.get(module) or IMPORT_TO_DISTRIBUTION.get(top) or top
        suggestions.append(f"python -m pip install {dist}")
    if workspace is not None:
        if (workspace / "requirements.txt").is_file():
            suggestions.append("python -m pip install -r requirements.txt")
        if (workspace / "pyproject.toml").is_file():
            suggestions.append(_pyproject_install(workspace / "pyproject.toml"))
    if module and top and not owned:
        dist = IMPORT_TO_DISTRIBUTION.get(module) or IMPORT_TO_DISTRIBUTION.get(top) or top
        suggestions.append(f"Add {dist} to the project's declared dependencies")
    return suggestions or ["python -m pip install -r requirements.txt"]


def _owned_by_project(top: str, workspace: Path) -> bool:
    for base in (workspace, workspace / "src"):
        if (base / top).is_dir() or (base / f"{top}.py").is_file():
            return True
    return False


def _pyproject_install(pyproject: Path) -> str:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "python -m pip install -e ."
    if "[tool.poetry" in text:
        return "poetry install"
    if "[tool.uv" in text:
        return "uv sync"
    return "python -m pip install -e ."


def node_package_name(spec: str) -> str | None:
    """The npm package of an import specifier (``react-dom/client`` → ``react-dom``), None for paths."""
    if spec.startswith((".", "/", "\\")) or (len(spec) > 1 and spec[1] == ":"):
        return None
    spec = spec.removeprefix("node:")
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") and len(parts) > 1 else parts[0]


def node_install(spec: str | None, workspace: Path | None) -> list[str]:
    """``npm install <pkg>`` with the lock file's package manager, or a path check for relative imports."""
    manager = "npm"
    if workspace is not None:
        if (workspace / "yarn.lock").is_file():
            manager = "yarn"
        elif (workspace / "pnpm-lock.yaml").is_file():
            manager = "pnpm"
    if spec is None:
        return [f"{manager} install"]
    package = node_package_name(spec)
    if package is None:
        return [
            f"Check that {spec} exists relative to the importing file (spelling, extension, case)",
            "Run the build step that generates it, if it is a build output",
        ]
    add = {"npm": f"npm install {package}", "yarn": f"yarn add {package}", "pnpm": f"pnpm add {package}"}[manager]
    return [add, f"{manager} install"]


def working_dir(marker: str | None, workspace: Path | None, cwd: object) -> list[str]:
    """The directory that holds ``marker``: the workspace itself or one of its subdirectories."""
    if marker and workspace is not None and workspace.is_dir():
        for candidate in [workspace, *sorted(p for p in workspace.iterdir() if p.is_dir())]:
            if (candidate / marker).is_file():
                hint = f"cd {candidate}"
                if cwd:
                    hint += f" (the command ran in {cwd})"
                return [hint, f"Pass cwd={str(candidate)!r} to the subprocess that needs {marker}"]
    target = workspace if workspace is not None else "the project root"
    missing = marker or "the project file"
    return [
        f"cd {target}",
        f"Run the command from the directory that contains {missing}",
        "Check that commands are run with the correct cwd parameter",
    ]


def scope(offending: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """Revert the out-of-scope files, or ask for the scope to be widened to them."""
    suggestions = [f"Revert the change to {path}" for path in offending[:5]]
    if allowed:
        suggestions.append("Only modify files within the allowed scope: " + ", ".join(allowed[:5]))
    suggestions.append("Request a scope expansion for " + (", ".join(offending[:5]) if offending else "the files"))
    return suggestions


def test_discovery(target: str | None, workspace: Path | None) -> list[str]:
    """Where the tests are and how pytest finds them."""
    suggestions: list[str] = []
    if target:
        suggestions.append(f"Check that {target} exists (path relative to the directory pytest runs in)")
    found = next((d for d in TEST_DIRS if workspace is not None and (workspace / d).is_dir()), None)
    if found:
        suggestions.append(f"python -m pytest {found}/ -v")
    elif workspace is not None:
        suggestions.append("Create a tests/ directory with test_*.py files")
    suggestions.append("Check test file naming: test_*.py or *_test.py, functions named test_*")
    suggestions.append("Check testpaths / python_files in pytest.ini or pyproject.toml")
    return suggestions


def permission(path: str | None) -> list[str]:
    """The refused path and the usual cause for where it lives."""
    suggestions: list[str] = []
    if path:
        norm = path.replace("\\", "/")
        if "/node_modules" in norm and (norm.startswith("/usr/") or "AppData/Roaming/npm" in norm):
            suggestions.append(
                "Do not install global npm packages as root: `npm config set prefix ~/.npm-global` "
                "or use a node version manager"
            )
        suggestions.append(f"Check owner and mode of {path} (ls -l / icacls) and that no other process holds it open")
    suggestions.append("Ensure the user running the phase has write access to the workspace")
    suggestions.append("Write to a directory inside the workspace or a temporary directory instead")
    return suggestions
