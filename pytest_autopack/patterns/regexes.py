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
    """Escaped literal text; whitespace runs become ``gap``.

    A lone ``|`` token is how the masking layer joins the lines of a multi-line message, so it
    also matches the plain line break of the raw message.
    """
    if not text:
        return ""
    out: list[str] = []
    for index, token in enumerate(re.split(r"\s+", text)):
        if index and token == "|":
            out.append(r"(?:\s+\|)?")
            continue
        if index:
            out.append(gap)
        out.append(re.escape(token))
    return "".join(out)


def _build(template: str, typed: bool, gap: str, wildcard: str, atomic: bool) -> str:
    """Literal pieces escaped, placeholders as sub-patterns.

    ``atomic``: each placeholder and the literal after it sit in a lookahead whose capture is then
    consumed by a backreference, so the match commits to the first place the literal follows and
    never backtracks into it. That keeps a failing match linear instead of polynomial in the
    message length (detectors run on every failure message), at the price of rejecting values
    that contain the following literal; verification against the members decides.
    """
    parts = PLACEHOLDER.split(template)
    names = PLACEHOLDER.findall(template)
    pieces = [_literal(parts[0], gap)]
    for index, (name, literal) in enumerate(zip(names, parts[1:], strict=True)):
        sub = (_TYPED.get(name[1:-1], wildcard) if typed else wildcard) if name != "<*>" else wildcard
        follow = _literal(literal, gap)
        if atomic and follow:
            pieces.append(f"(?=(?P<s{index}>{sub}{follow}))(?P=s{index})")
        else:
            pieces.append(sub + follow)
    return "".join(pieces)


def _fragments(template: str) -> str:
    """Loosest form: the template's literal words, in order, anywhere in the message (no backtracking)."""
    words = [w for w in re.split(r"\s+|" + PLACEHOLDER.pattern, template) if w and len(w) > 1]
    if not words:
        return ".+"
    return "".join(f"(?=(?P<f{i}>.*?{re.escape(w)}))(?P=f{i})" for i, w in enumerate(words)) + ".*"


def _matches_all(pattern: str, messages: Sequence[str]) -> bool:
    try:
        compiled = re.compile(pattern, re.DOTALL)
    except re.error:
        return False
    return all(compiled.fullmatch(normalise(m)) is not None for m in messages)


def derive_regex(template: str, messages: Sequence[str]) -> DerivedRegex:
    """The most specific candidate regex that full-matches every one of ``messages``."""
    template = normalise(template)
    candidates = [
        (f"{name}{'' if atomic else '-backtracking'}", _build(template, typed, gap, wildcard, atomic))
        for name, typed, gap, wildcard in (
            ("typed", True, r"\s+", r"[^\n]+?"),
            ("wildcard", False, r"\s+", r"[^\n]+?"),
            ("multiline", False, r"\s*", r".+?"),
        )
        for atomic in (True, False)
    ]
    candidates.append(("fragments", _fragments(template)))
    for strategy, pattern in candidates:
        if pattern and _matches_all(pattern, messages):
            return DerivedRegex(pattern, True, strategy)
    return DerivedRegex(candidates[0][1], False, "unverified")


def matches(pattern: str, message: str) -> bool:
    """Whether a derived regex recognises ``message`` (the generated detectors do exactly this)."""
    return re.fullmatch(pattern, normalise(message), re.DOTALL) is not None
