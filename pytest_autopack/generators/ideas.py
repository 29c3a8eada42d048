"""Mitigation ideas per error type: the suggested approach a generated detector returns.

Fixed text keyed by the error-type vocabulary of :mod:`pytest_autopack.patterns.records`, so no
untrusted text is involved; a transient failure type also says that a retry is worth it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Idea:
    """What to tell the builder about one error type."""

    approach: str
    suggestions: tuple[str, ...]
    retry: bool = False


IDEAS: dict[str, Idea] = {
    "import_error": Idea(
        "Check the import against the installed package's API and the project's dependencies.",
        (
            "Verify the name exists in the imported module's installed version",
            "Pin or install the package version that provides it (pip install 'pkg==x.y')",
            "Look for circular imports between the two modules",
        ),
    ),
    "syntax_error": Idea(
        "Validate generated code with `python -m py_compile` before applying the patch.",
        ("Run a syntax check on every changed file before tests", "Regenerate the patch for the reported line"),
    ),
    "type_error": Idea(
        "Align the call with the callee's current signature.",
        ("Compare the call site with the function signature", "Run mypy on the changed files"),
    ),
    "attribute_error": Idea(
        "Check that the object has the attribute in the installed version and is not None.",
        ("Guard against None before attribute access", "Check the library's changelog for renamed attributes"),
    ),
    "name_error": Idea(
        "Define or import the name before use.",
        ("Add the missing import", "Run ruff (F821) on the changed files"),
    ),
    "value_error": Idea(
        "Validate the input before the call that rejected it.",
        ("Log the rejected value's type and shape", "Add input validation at the boundary"),
    ),
    "key_error": Idea(
        "Use .get() with a default or check the key's presence first.",
        ("Check the producer of the mapping for the expected key", "Add a schema check for required keys"),
    ),
    "indentation_error": Idea(
        "Re-indent the patched block consistently (spaces only).",
        ("Run a formatter on the changed file",),
    ),
    "file_not_found": Idea(
        "Check the path exists before use and that the command runs in the expected directory.",
        ("Create the missing file or directory, or fix the path", "Resolve paths relative to the project root"),
    ),
    "permission_error": Idea(
        "Fix ownership/permissions of the path or write somewhere the runner owns.",
        ("Check file mode and owner", "Use a temporary or workspace-local directory"),
    ),
    "timeout_error": Idea(
        "Retry with a longer timeout or split the work into smaller steps.",
        ("Raise the timeout for this step", "Break the phase into smaller phases"),
        True,
    ),
    "rate_limit_error": Idea(
        "Back off and retry, honouring Retry-After.",
        ("Retry with exponential backoff", "Reduce request concurrency"),
        True,
    ),
    "database_error": Idea(
        "Check the database is reachable and migrated before the phase runs.",
        ("Run the migrations", "Check the connection URL and that the server is up"),
        True,
    ),
    "test_failure": Idea(
        "Run the failing tests locally and fix the code or the expectation.",
        ("Re-run only the failing node ids with -x -vv", "Compare the assertion's expected and actual values"),
    ),
    "dependency_error": Idea(
        "Resolve the dependency conflict or pick an available version.",
        ("Check the requested version exists on the index", "Relax or align the version constraints"),
    ),
    "git_error": Idea(
        "Rebase the patch on the current tree and regenerate the failing hunks.",
        ("Refresh the working tree before applying", "Regenerate the patch against the current file content"),
    ),
    "scope_error": Idea(
        "Keep changes inside the phase's scope or request a scope expansion.",
        ("Revert out-of-scope changes", "Request a scope expansion"),
    ),
    "budget_error": Idea(
        "Reduce the context or raise the budget for this phase.",
        ("Trim context files", "Raise the phase's token cap if justified"),
    ),
}
DEFAULT_IDEA = Idea(
    "Review the samples, identify the root cause and implement a deterministic mitigation.",
    ("Reproduce the failure from a sample", "Add a targeted fix and a regression test"),
)


def idea_for(error_type: str) -> Idea:
    """The idea for an error type, or the generic one."""
    return IDEAS.get(error_type, DEFAULT_IDEA)
