"""Mask the variable parts of software error messages with typed placeholder tokens.

Drain groups messages by token count and first tokens, and compares the rest token by token.
A value that changes between two occurrences of the same failure (a path, a number, a quoted
name) must therefore become exactly one stable token, while everything that tells failure
classes apart (exception class names, HTTP status codes, errno names, command names, the
constant words) must survive untouched. Rules run most specific first, so that a URL is not
eaten by the path rule, a path not by the number rule, and so on. All regexes are compiled once
at import time; ``re`` is part of the interpreter start-up anyway, so importing this module stays
cheap for the pytest plugin.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PATH = "<PATH>"
NUM = "<NUM>"
HEX = "<HEX>"
QUOTED = "<QUOTED>"
URL = "<URL>"
IP = "<IP>"
HOST = "<HOST>"
UUID = "<UUID>"
TIME = "<TIME>"
DURATION = "<DURATION>"
SIZE = "<SIZE>"
VERSION = "<VERSION>"
REQUIREMENT = "<REQ>"
NODEID = "<NODEID>"
ID = "<ID>"
OBJECT = "<OBJECT>"
EXPR = "<EXPR>"
LIST = "<LIST>"
FUNC = "<FUNC>"

#: Every placeholder token ``mask`` can emit; the miner treats them as values, never as words.
PLACEHOLDERS = frozenset(
    {PATH, NUM, HEX, QUOTED, URL, IP, HOST, UUID, TIME, DURATION, SIZE, VERSION, REQUIREMENT, NODEID, ID,
     OBJECT, EXPR, LIST, FUNC, "<SQL>", "<PARAMS>", "<HTTP_INFO>", "<HTTP_SUCCESS>", "<HTTP_REDIRECT>",
     "<HTTP_CLIENT_ERROR>", "<HTTP_SERVER_ERROR>"}
)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# --- multi-line structure -------------------------------------------------------------------
# A Python traceback frame ('File "x.py", line 3, in main') is followed by the echoed source
# line(s) and optional caret markers; both are data, and the number of frames varies, so each
# frame becomes one fixed line and repeated frames collapse to one (see _collapse_lines).
_FRAME = re.compile(r'^(\s*)File "[^"\n]*", line \d+(, in \S+)?\s*$')
_CARETS = re.compile(r"^\s*[\^~]+\s*$")

# --- single-line rules, most specific first ---------------------------------------------------
_EXT = (
    r"py|pyc|pyi|pyx|ipynb|js|jsx|mjs|cjs|ts|tsx|mts|cts|vue|svelte|json|jsonl|ya?ml|toml|ini|cfg|conf|"
    r"env|lock|txt|md|rst|csv|tsv|log|html?|css|scss|less|xml|sql|db|sqlite3?|sh|bash|zsh|ps1|bat|cmd|"
    r"exe|dll|so|dylib|a|o|c|cc|cpp|cxx|h|hpp|go|rs|java|kt|kts|scala|rb|php|cs|swift|jar|war|whl|egg|"
    r"gz|tgz|bz2|xz|zip|tar|diff|patch|pem|key|crt|pid|sock|tmp|bak|out|err|pkl|pt|bin|dat|gradle|mod|sum"
)
# Suffix of a source location glued to a path: file.py:12, file.py:12:5, file.ts(12,5).
_LOC = r"(?::\d+(?::\d+)?|\(\d+,\d+\))?"
# A path segment may contain an inner space ("My Project", "Program Files") only when the next
# word looks like a name (capitalised or a digit), so prose after a path is not swallowed.
_SEG = r"[^\\/\s'\"<>|:*?`,;()\[\]{}]+(?: (?=[A-Z0-9(])[^\\/\s'\"<>|:*?`,;()\[\]{}]+)*"
_POSIX_SEG = r"[\w.@+~%=-]+(?: (?=[A-Z0-9])[\w.@+~%=-]+)*"

#: A rule runs only when one of its gate substrings occurs in the line: the cheap ``in`` test
#: skips most of the regex scans on a typical message.
_Rule = tuple[tuple[str, ...], re.Pattern[str], "str | Callable[[re.Match[str]], str]"]

_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
_SIZE = r"\d+(?:\.\d+)?\s?(?:[KMGTP]i?B|[kKMGT]B?|bytes?|B)"
_REQUIREMENT_OPS = r"(?:===|==|>=|<=|~=|!=)"
_VERSION_TEXT = r"v?\d+(?:\.[\w*]+)*(?:[-+][\w.]+)?"


def _status_or_number(match: re.Match[str]) -> str:
    """Mask a number unless its context marks it as an HTTP status code.

    Status codes name different failures (429 and 503 are different patterns), so they stay in
    the template; counts, ports, sizes and exit statuses are values printed through a placeholder.
    """
    value = match.group(0)
    if len(value) == 3 and value[0] in "12345":
        start = match.start()
        if _STATUS_BEFORE.search(match.string, max(0, start - 16), start):
            return value
    return NUM


_STATUS_BEFORE = re.compile(r"(?i)(?<!exit )(?:status(?: code)?|code|http(?:/\d(?:\.\d)?)?|response)\s*[:=]?\s*$")


def _quoted(match: re.Match[str]) -> str:
    """Collapse a quoted value to one token, but keep a quoted sentence as text.

    A value ('x', "users.name", `foo bar`) varies between occurrences and may contain spaces, so it
    becomes one token and token counts stay stable. A nested error sentence ('This request would
    exceed the rate limit ...') is the constant text of the failure, so only its inner values are
    masked (by the rules that run after this one).
    """
    body = match.group(0)[1:-1]
    if body.count(" ") >= 3 and body.rstrip()[-1:] in ".!?" and body[:1].isalpha():
        return match.group(0)
    return QUOTED


_HTTP_STATUS_LINE = (
    r"(?<![\w.])[1-5]\d\d (?:Continue|Switching Protocols|OK|Created|Accepted|No Content|Partial Content|"
    r"Multiple Choices|Moved Permanently|Found|See Other|Not Modified|Temporary Redirect|Permanent Redirect|"
    r"Bad Request|Unauthorized|Payment Required|Forbidden|Not Found|Method Not Allowed|Not Acceptable|"
    r"Proxy Authentication Required|Request Timeout|Conflict|Gone|Length Required|Precondition Failed|"
    r"Payload Too Large|Content Too Large|URI Too Long|Unsupported Media Type|Range Not Satisfiable|"
    r"Expectation Failed|Misdirected Request|Unprocessable Entity|Unprocessable Content|Locked|"
    r"Failed Dependency|Too Early|Upgrade Required|Precondition Required|Too Many Requests|"
    r"Request Header Fields Too Large|Unavailable For Legal Reasons|Internal Server Error|Not Implemented|"
    r"Bad Gateway|Service Unavailable|Gateway Timeout|HTTP Version Not Supported|Insufficient Storage|"
    r"Loop Detected|Network Authentication Required)\b"
)

_HTTP_CLASSES = {
    "1": "<HTTP_INFO>",
    "2": "<HTTP_SUCCESS>",
    "3": "<HTTP_REDIRECT>",
    "4": "<HTTP_CLIENT_ERROR>",
    "5": "<HTTP_SERVER_ERROR>",
}

_RULES: tuple[_Rule, ...] = (
    # Python object reprs and pytest node ids carry addresses, parameters and paths at once.
    ((" at 0x",), re.compile(r"<[\w.]+(?: object)? at 0x[0-9a-fA-F]+>"), OBJECT),
    (("::",), re.compile(r"(?<![\w/\\.-])[\w./\\:-]*\.py::[^\s'\"]+"), NODEID),
    # Echoed data: an assert expression, a SQL statement.
    (("assert ",), re.compile(r"\bassert .+"), f"assert {EXPR}"),
    (("[SQL: ",), re.compile(r"\[SQL: [^\]]*\]"), "[SQL: <SQL>]"),
    (("[parameters: ",), re.compile(r"\[parameters: [^\]]*\]"), "[parameters: <PARAMS>]"),
    (("://",), re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]*[^\s'\"<>`.,;:)\]]"), URL),
    (("-",), re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), UUID),
    (
        (":",),
        re.compile(
            rf"\b(?:{_DAY},? )?{_MONTH} +\d{{1,2}},?(?: \d{{4}})? {_CLOCK}(?: \d{{4}})?\b"
            rf"|\b(?:{_DAY},? )?\d{{1,2}} {_MONTH} \d{{4}}(?: \d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\b"
        ),
        TIME,
    ),
    (
        ("-", ":"),
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
            r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        ),
        TIME,
    ),
    # Requirement specifiers: name and version vary together (requests==2.31.0, eslint@^8.3.0).
    (
        ("==", ">=", "<=", "~=", "!=", "@"),
        re.compile(
            rf"(?<![\w@/.-])@?[A-Za-z][\w.-]*(?:/[\w.-]+)?(?:\[[\w,-]+\])?"
            rf"(?:{_REQUIREMENT_OPS}\s?[\w.*+!-]+(?:\s?,\s?(?:{_REQUIREMENT_OPS}|[<>])\s?[\w.*+!-]+)*"
            rf"|@(?:[\^~]?\d[\w.+-]*|\"[^\"\n]*\"|'[^'\n]*'))"
        ),
        REQUIREMENT,
    ),
    (
        ("==", ">=", "<=", "~=", "!="),
        re.compile(rf"(?<![\w.]){_REQUIREMENT_OPS}\s?\d[\w.*+!-]*(?:,\s?[<>=!~]=?\s?\d[\w.*+!-]*)*"),
        REQUIREMENT,
    ),
    # Bracketed lists of quoted items, before the quotes themselves: ['a', 'b'] -> one token.
    (
        ("['", '["', "[ "),
        re.compile(r"\[\s*(?:'[^'\n]*'|\"[^\"\n]*\")(?:\s*,\s*(?:'[^'\n]*'|\"[^\"\n]*\"))*\s*\]"),
        LIST,
    ),
    (
        ("'", '"', "`"),
        re.compile(
            r"(?<![\w'\"`])(?:'(?:[^'\n]|(?<=\w)'(?=\w))*'|\"[^\"\n]*\"|`[^`\n]*`)(?![\w])"
        ),
        _quoted,
    ),
    ((":\\",), re.compile(rf"(?<![\w\\])[A-Za-z]:\\(?:{_SEG}\\)*{_SEG}?{_LOC}"), PATH),
    (("\\\\",), re.compile(rf"(?<![\w\\])\\\\[\w.$-]+\\(?:{_SEG}\\)*{_SEG}?{_LOC}"), PATH),
    (("/",), re.compile(rf"(?<![\w/.:~-])(?:~|\.{{1,2}})?/(?:{_POSIX_SEG}/)*[\w.@+~%=-]*{_LOC}"), PATH),
    (
        ("/",),
        re.compile(
            rf"(?<![\w/.@-])(?:[\w.@+-]+/)+(?:[\w.@+-]*\.(?:{_EXT})|[\w.@+-]+/){_LOC}(?![\w/])"
            rf"|(?<![\w/.@-])(?:[\w.@+-]+/)+[\w.@+-]+:\d+(?::\d+)?(?![\w/])"
        ),
        PATH,
    ),
    ((".",), re.compile(rf"(?<![\w/.@\\-])[\w-]*[\w]\.(?:{_EXT}){_LOC}(?![\w/.\\-])"), PATH),
    (
        (":",),
        re.compile(
            r"(?<![\w:.])(?=[0-9a-fA-F:]*::|(?:[0-9a-fA-F]{1,4}:){7})"
            r"(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])"
        ),
        IP,
    ),
    (("0x",), re.compile(r"\b0x[0-9a-fA-F]+\b"), HEX),
)

# The numeric values, as one alternation scanned once (most specific alternative first), because
# on a typical message this block would otherwise cost a dozen full-line regex scans.
_NUMERIC = re.compile(
    "|".join(
        f"(?P<{name}>{pattern})"
        for name, pattern in (
            # An endpoint is one value whether printed by name or by address.
            ("endpoint", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}(?![\w.])"),
            ("ip", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"),
            ("host", r"\b(?:localhost|(?:[a-zA-Z0-9-]+\.)+[a-zA-Z][a-zA-Z0-9-]*):\d{1,5}\b"),
            # Versions: two dots at least, or a v prefix (3.11.7, v18.19.0, 2.0.0rc1, 1.0.0+local).
            (
                "version",
                r"(?<![\w.])v?\d+\.\d+\.\d+(?:\.\d+)?(?:[-.+]?[A-Za-z][\w.]*)?(?![\w])|(?<![\w.])v\d+\.\d+\b",
            ),
            # Ids: hex hashes (git SHAs: 7+ hex digits mixing letters and digits) and long opaque
            # tokens (request ids, API keys, base64) mixing letters and digits.
            (
                "hexid",
                r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,}\b|\b(?=[0-9A-F]*[A-F])(?=[0-9A-F]*\d)[0-9A-F]{7,}\b",
            ),
            ("opaque", r"(?<![\w/+=-])(?=[\w+/-]*\d)(?=[\w+/-]*[A-Za-z])[A-Za-z0-9_+/-]{20,}={0,2}(?![\w/+=-])"),
            ("prefixed", r"\b[A-Za-z]+[_-](?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{10,}\b"),
            # A status line ("503 Service Unavailable") prints one enumerated value; keep only its
            # class, so 502/503/504 stay one pattern while 429 and 503 stay apart.
            ("status_line", _HTTP_STATUS_LINE),
            # Durations and sizes before plain numbers, so the unit goes with its value.
            ("clock", r"(?<![\w.:])\d{1,2}:\d{2}(?![\w:])"),
            (
                "duration",
                r"(?<![\w.])[<>~]?\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?)"
                r"(?![\w])",
            ),
            # "1190 bytes (1.16 KB)": a size echoed in two units is still one value.
            ("size", rf"(?<![\w.]){_SIZE}(?: \({_SIZE}\))?(?![\w])"),
            ("number", r"(?<![\w.-])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?!\.?\w)"),
        )
    )
)
_NUMERIC_PLACEHOLDER = {
    "endpoint": HOST,
    "ip": IP,
    "host": HOST,
    "version": VERSION,
    "hexid": HEX,
    "opaque": ID,
    "prefixed": ID,
    "clock": DURATION,
    "duration": DURATION,
    "size": SIZE,
}


def _numeric(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "number":
        return _status_or_number(match)
    if kind == "status_line":
        return _HTTP_CLASSES[match.group(0)[0]]
    return _NUMERIC_PLACEHOLDER[kind]  # type: ignore[index]


# Variable-length lists printed as one span: "<PATH>, <PATH>, <PATH>" is one list.
_REPEATED_PLACEHOLDER = re.compile(r"(<[A-Z_]+>)(?:(?:\s*,\s*|\s+(?:and|or)\s+)\1)+")
_WHITESPACE = re.compile(r"\s+")
_ANY_DIGIT = re.compile(r"\d")


def _mask_line(line: str) -> str:
    for gate, pattern, replacement in _RULES:
        if any(needle in line for needle in gate):
            line = pattern.sub(replacement, line)
    if _ANY_DIGIT.search(line):
        line = _NUMERIC.sub(_numeric, line)
    return _REPEATED_PLACEHOLDER.sub(r"\1", line)


def _structure_lines(text: str) -> list[str]:
    """Replace traceback frames and echoed source lines by fixed lines; drop blank lines."""
    out: list[str] = []
    frame_indent: int | None = None
    for line in text.splitlines():
        if not line.strip() or _CARETS.match(line):
            continue
        indent = len(line) - len(line.lstrip())
        frame = _FRAME.match(line)
        if frame:
            frame_indent = indent
            out.append(f"File {PATH}, line {NUM}" + (f", in {FUNC}" if frame.group(2) else ""))
            continue
        if frame_indent is not None and indent > frame_indent:
            continue  # echoed source line of the frame above
        frame_indent = None
        out.append(line)
    return out


def _collapse_lines(lines: list[str]) -> list[str]:
    """Collapse consecutive identical masked lines: a stack or list of any length is one span."""
    out: list[str] = []
    for line in lines:
        if not out or out[-1] != line:
            out.append(line)
    return out


def mask(message: str) -> str:
    """Return ``message`` with every variable part replaced by one typed placeholder token.

    The result is whitespace-normalised; lines of a multi-line message are joined by `` | ``
    markers so that a traceback tail stays distinguishable from its last line alone.
    """
    if "\x1b" in message:
        message = _ANSI.sub("", message)
    if "\n" in message:
        lines = _collapse_lines([_mask_line(line) for line in _structure_lines(message)])
        text = " | ".join(lines)
    else:
        text = _mask_line(message)
    return _WHITESPACE.sub(" ", text).strip()
