"""The Pattern record and the small pure functions that fill it (ids, classes, confidence, keywords).

Ids follow Autopack's ``pattern_expansion.py``: ``pattern_signature`` is a hash of the normalised
template and ``suggested_pattern_id`` is ``<error_type>_<signature[:8]>``. Here the template is the
miner's, so the id is stable across runs for the same template and safe as a Python identifier
and a file name (error types come from a fixed vocabulary, the rest is hex).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_autopack.patterns.regexes import PLACEHOLDER, DerivedRegex

# Autopack's classification first (same order, same names), then the families an agent hits often.
_ERROR_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("import_error", ("importerror", "modulenotfounderror", "cannot find module")),
    ("syntax_error", ("syntaxerror",)),
    ("type_error", ("typeerror",)),
    ("attribute_error", ("attributeerror",)),
    ("name_error", ("nameerror",)),
    ("value_error", ("valueerror",)),
    ("key_error", ("keyerror",)),
    ("indentation_error", ("indentationerror",)),
    ("file_not_found", ("filenotfounderror", "no such file", "enoent")),
    ("permission_error", ("permission", "access denied", "eacces")),
    ("timeout_error", ("timed out", "timeout")),
    ("rate_limit_error", ("rate limit", "ratelimit", "429")),
    ("database_error", ("sqlalchemy", "psycopg", "sqlite3", "operationalerror", "integrityerror")),
    ("test_failure", ("failed tests/", "assertionerror", "tests failed", "error collecting")),
    ("dependency_error", ("eresolve", "could not find a version", "dependency")),
    ("git_error", ("git ", "patch", "merge conflict")),
    ("scope_error", ("scope",)),
    ("budget_error", ("budget", "token")),
)
STOP_WORDS = frozenset(
    "the a an and or but in on at to for of with by from is was are were been be have has had do does did "
    "will would should could may might can this that these those not".split()
)
_CLASS_LINE = re.compile(r"(?m)^\s*(?P<cls>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure))\b")
_CLASS_ANY = re.compile(r"\b(?P<cls>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b")


@dataclass(frozen=True)
class Pattern:
    """One mined failure pattern: Autopack's fields plus ours (template, regex, samples, …)."""

    id: str
    signature: str
    template: str
    error_type: str
    error_class: str | None
    count: int
    run_ids: tuple[str, ...]
    phase_ids: tuple[str, ...]
    first_seen: str | None
    last_seen: str | None
    samples: tuple[str, ...]
    regex: DerivedRegex | None
    keywords: tuple[str, ...]
    sources: tuple[str, ...] = ()
    overlaps: tuple[str, ...] = field(default=())

    @property
    def confidence(self) -> str:
        """Autopack's confidence: high at ≥ 5 occurrences, medium at ≥ 3, low below."""
        return confidence(self.count)

    @property
    def priority_label(self) -> str:
        """Autopack's backlog priority from frequency: HIGH ≥ 10, MEDIUM ≥ 5, LOW below."""
        return "HIGH" if self.count >= 10 else "MEDIUM" if self.count >= 5 else "LOW"

    @property
    def detector_priority(self) -> int:
        """Registry priority of the generated detector: after the built-ins (1–4), frequent first."""
        return {"HIGH": 5, "MEDIUM": 6, "LOW": 7}[self.priority_label]


def confidence(count: int) -> str:
    """``high`` / ``medium`` / ``low`` from an occurrence count (thresholds 5 and 3)."""
    return "high" if count >= 5 else "medium" if count >= 3 else "low"


def signature_of(template: str) -> str:
    """First 16 hex digits of sha256 over the template, Autopack's signature length."""
    return hashlib.sha256(template.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def classify(text: str) -> str:
    """The coarse error type of a message (Autopack's vocabulary, extended); ``unknown_error`` else."""
    lower = text.lower()
    for name, needles in _ERROR_TYPES:
        if any(needle in lower for needle in needles):
            return name
    return "unknown_error"


def error_class_of(message: str) -> str | None:
    """The exception class a message reports: the last ``Class: …`` line, else the first class name."""
    lines = list(_CLASS_LINE.finditer(message))
    if lines:
        return lines[-1].group("cls")
    found = _CLASS_ANY.search(message)
    return found.group("cls") if found else None


def majority(values: Sequence[str | None]) -> str | None:
    """Most common non-empty value; ties go to the one seen first (deterministic)."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    best = max(counts.values())
    return next(v for v in values if v and counts[v] == best)


def keywords(template: str, limit: int = 10) -> tuple[str, ...]:
    """The template's constant words, most frequent first (Autopack's ``extract_keywords`` idea)."""
    literal = PLACEHOLDER.sub(" ", template)
    words = [w for w in re.findall(r"\b[a-zA-Z_][a-zA-Z0-9_]{2,}\b", literal.lower()) if w not in STOP_WORDS]
    return tuple(word for word, _ in Counter(words).most_common(limit))
