"""Turning untrusted text into safe Python literals and safe Markdown.

Real Autopack's generator pasted error messages into f-string source and ran injected code. Here
untrusted text (messages, templates, run and phase ids) reaches generated Python **only** as
``ascii()`` literals computed in Python, never raw in a template; ``ascii()`` output is always
one valid, pure-ASCII string literal, whatever the input (quotes, backslashes, newlines, NUL,
lone surrogates, bidi controls). Markdown gets backslash escapes for every ASCII punctuation
mark inline, and fenced blocks whose fence is longer than any backtick run inside them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def identifier(value: str) -> str:
    """``value`` if it is a lower-case Python identifier (pattern ids are), else a ValueError."""
    if not _IDENTIFIER.match(value) or len(value) > 100:
        raise ValueError(f"not a safe identifier: {value!r}")
    return value


def py_str(value: str | None) -> str:
    """A Python literal for ``value`` (``None`` stays ``None``)."""
    return "None" if value is None else ascii(str(value))


def py_list(values: Iterable[str], indent: int = 4) -> str:
    """A list literal with one ``ascii()`` element per line (readable diffs, no raw text)."""
    items = [ascii(str(v)) for v in values]
    if not items:
        return "[]"
    pad = " " * indent
    return "[\n" + "".join(f"{pad}{item},\n" for item in items) + "]"


def _visible(char: str) -> str:
    if unicodedata.category(char) in _UNSAFE_CATEGORIES:
        return f"\\u{ord(char):04x}"
    return char


def md_inline(value: str | None, limit: int = 300) -> str:
    """Text that renders literally inside a Markdown paragraph or list item, on one line."""
    if value is None:
        return "\\-"
    text = str(value)
    cut = len(text) > limit
    text = text[:limit]
    out = []
    for char in text:
        if char in _PUNCTUATION:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t" or char == "\r":
            out.append(" ")
        else:
            out.append(_visible(char))
    return "".join(out) + (" …" if cut else "")


def md_code(value: str, limit: int = 4000, language: str = "") -> str:
    """A fenced code block holding ``value`` literally; its fence cannot be closed from inside."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    cut = len(text) > limit
    text = "".join(c if c in "\n\t" else _visible(c) for c in text[:limit])
    if cut:
        text += "\n… (truncated)"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"
