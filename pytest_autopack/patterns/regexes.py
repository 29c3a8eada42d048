r"""Derive a detector regex from a mined template and verify it against the pattern's own messages.

A template is the masked text with typed placeholders (``<QUOTED>``, ``<PATH>``, ``<NUM>``, …; drain's
``<*>`` too). The literal words become escaped regex text, whitespace becomes ``\s+`` (masking
normalises whitespace, the raw messages do not), and each placeholder becomes a sub-pattern. The
candidates go from specific to loose; the first that full-matches **every** member message wins,
so a generated detector is never shipped with a regex that misses its own samples.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"<\*>|<[A-Z][A-Z0-9_]*>")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Typed sub-patterns: they keep detectors specific (a number slot does not swallow words) and keep
# backtracking bounded. Anything not listed falls back to a lazy wildcard.
_TYPED = {
    "NUM": r"[-+]?\d[\d,._]*(?:[eE][-+]?\d+)?[A-Za-z%]*",
    "HEX": r"(?:0[xX])?[0-9A-Fa-f]+",
    "QUOTED": r"(?:'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`)",
}


@dataclass(frozen=True)
class DerivedRegex:
    """A regex for ``re.fullmatch(pattern, text, re.DOTALL)`` plus whether it matched every member."""

    pattern: str
    verified: bool
    strategy: str


def normalise(message: str) -> str:
    """What detectors match against: ANSI colour codes removed, outer whitespace stripped."""
    return ANSI.sub("", message).strip()


def _literal(text: str, gap: str) -> str:
    return gap.join(re.escape(part) for part in re.split(r"\s+", text)) if text else ""


def _build(template: str, typed: bool, gap: str, wildcard: str) -> str:
    pieces: list[str] = []
    last = 0
    for found in PLACEHOLDER.finditer(template):
        pieces.append(_literal(template[last : found.start()], gap))
        name = found.group()[1:-1]
        pieces.append(_TYPED.get(name, wildcard) if typed else wildcard)
        last = found.end()
    pieces.append(_literal(template[last:], gap))
    return "".join(pieces)


def _fragments(template: str) -> str:
    """Loosest form: the template's literal words, in order, anywhere in the message."""
    words = [w for w in re.split(r"\s+|" + PLACEHOLDER.pattern, template) if w and len(w) > 1]
    return ".*?".join([""] + [re.escape(w) for w in words] + [""]) if words else ".+"


def _matches_all(pattern: str, messages: Sequence[str]) -> bool:
    try:
        compiled = re.compile(pattern, re.DOTALL)
    except re.error:
        return False
    return all(compiled.fullmatch(normalise(m)) is not None for m in messages)


def derive_regex(template: str, messages: Sequence[str]) -> DerivedRegex:
    """The most specific candidate regex that full-matches every one of ``messages``."""
    template = normalise(template)
    candidates = (
        ("typed", _build(template, True, r"\s+", r"[^\n]+?")),
        ("wildcard", _build(template, False, r"\s+", r"[^\n]+?")),
        ("multiline", _build(template, False, r"\s*", r".+?")),
        ("fragments", _fragments(template)),
    )
    for strategy, pattern in candidates:
        if pattern and _matches_all(pattern, messages):
            return DerivedRegex(pattern, True, strategy)
    return DerivedRegex(candidates[0][1], False, "unverified")


def matches(pattern: str, message: str) -> bool:
    """Whether a derived regex recognises ``message`` (the generated detectors do exactly this)."""
    return re.fullmatch(pattern, normalise(message), re.DOTALL) is not None
