"""One credential scrubber for everything the project writes: reports, samples, templates.

URL passwords, ``key=value`` credentials, bearer tokens and well-known provider key
shapes are masked; :func:`contains_secret` is the check a writer runs afterwards.
"""

from __future__ import annotations

import re

_SECRET_PATTERNS = (
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)(?!\*\*\*@|<SECRET>@)[^@\s]+@"), r"\1{mark}@"),
    (
        re.compile(
            r"(?i)\b(api[_-]?key|passw(?:or)?d|secret|token|authorization)(\s*[=:]\s*)(?!\*\*\*|<SECRET>)"
            r"(?:bearer\s+)?[^\s,;'\"]{6,}"
        ),
        r"\1\2{mark}",
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{12,}=*"), "Bearer {mark}"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), "sk-{mark}"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), "gh_{mark}"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "xox-{mark}"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "AKIA{mark}"),
)


def scrub(text: str, mark: str = "***") -> str:
    """``text`` with URL passwords and credential-looking tokens replaced by ``mark``.

    Samples use ``***``; templates use ``<SECRET>``, a placeholder, so the regex derived from the
    template still matches the raw messages without containing the credential.
    """
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement.replace("{mark}", mark), text)
    return text


def contains_secret(text: str) -> bool:
    """True when ``text`` still holds something :func:`scrub` would mask."""
    return any(pattern.search(text) for pattern, _ in _SECRET_PATTERNS)
