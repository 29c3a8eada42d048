"""Mask the variable parts of software error messages with typed placeholder tokens.

Drain groups messages by token count and first tokens, and compares the rest token by token.
A value that changes between two occurrences of the same failure (a path, a number, a quoted
name) must therefore become exactly one stable token, while everything that tells failure
classes apart (exception class names, HTTP status codes, errno names, command names, the
constant words) must survive untouched.

Masking sits in front of every mined message, so it must cost about what Drain costs, without
relying on repeated texts. Almost every rule starts a value at a token boundary (the character
before it is neither a word character nor a dot), so all rules are alternatives of one regex that
first consumes that boundary character: the regex engine then skips every word character in C,
and at each boundary it rejects most alternatives on their first character. The alternatives are
grouped by first character and keep the order "most specific first" (URL before host:port before
IP before number; path before line number), which is what a leftmost match then applies. A few
rules whose value may start inside a token, or span more than a token from a word start, run
before it, each only when its literal marker occurs in the line. All regexes are compiled once at
import time; ``re`` is part of the interpreter start-up anyway, so the pytest plugin stays cheap.
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
FRAME = "<FRAME>"

_HTTP_CLASSES = {
    "1": "<HTTP_INFO>",
    "2": "<HTTP_SUCCESS>",
    "3": "<HTTP_REDIRECT>",
    "4": "<HTTP_CLIENT_ERROR>",
    "5": "<HTTP_SERVER_ERROR>",
}

#: Every placeholder token ``mask`` can emit; the miner treats them as values, never as words.
PLACEHOLDERS = frozenset(
    {PATH, NUM, HEX, QUOTED, URL, IP, HOST, UUID, TIME, DURATION, SIZE, VERSION, REQUIREMENT, NODEID, ID,
     OBJECT, EXPR, LIST, FUNC, FRAME, "<SQL>", "<PARAMS>", *_HTTP_CLASSES.values()}
)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# --- multi-line structure -------------------------------------------------------------------
# A Python traceback frame ('File "x.py", line 3, in main') is followed by the echoed source
# line(s) and optional caret markers; both are data, and the number of frames varies, so each
# frame becomes one fixed line and repeated frames collapse to one (see _collapse_lines).
_FRAME = re.compile(r'^(\s*)File "[^"\n]*", line \d+(, in \S+)?\s*$')
_CARETS = re.compile(r"^\s*[\^~]+\s*$")
# A JVM or JavaScript stack frame ("\tat com.x.Y.run(Y.java:42)", "    at main (/app/x.js:3:5)")
# names code and a location, both data; like Python frames, a stack of any depth is one span.
_AT_FRAME = re.compile(r"^\s+at (?:.*\)|\S*:\d+(?::\d+)?)\s*$")

# --- shared building blocks -----------------------------------------------------------------
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
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
_SIZE = r"\d+(?:\.\d+)?\s?(?:[KMGTP]i?B|[kKMGT]B?|bytes?|B)"
_REQUIREMENT_OPS = r"(?:===|==|>=|<=|~=|!=)"
_QUOTED_RUN = r"'[^'\n]*(?:(?<=\w)'(?=\w)[^'\n]*)*'|\"[^\"\n]*\""

_HTTP_STATUS_LINE = (
    r"[1-5]\d\d (?:Continue|Switching Protocols|OK|Created|Accepted|No Content|Partial Content|"
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
#: Last characters of the keywords _STATUS_BEFORE accepts ("status", "code", "http/1.1", "response").
_STATUS_KEYWORD_ENDS = frozenset("sSeEpP0123456789")
_STATUS_SEPARATORS = frozenset(":=")
_STATUS_BEFORE = re.compile(r"(?i)(?<!exit )(?:status(?: code)?|code|http(?:/\d(?:\.\d)?)?|response)\s*[:=]?\s*$")

# --- rules that run before the single pass, each gated by a literal marker ------------------
# Python object reprs may follow a word ("x<Foo object at 0x1>"); pytest node ids carry paths,
# parameters and "::" at once; echoed data (an assert expression, a SQL statement) spans many
# words; a URL starts at its scheme wherever it is glued. Each runs only when its literal marker
# occurs in the line, tested inline in _mask_values (no loop: this runs for every line).
_OBJECT_REPR = re.compile(r"<[\w.]+(?: object)? at 0x[0-9a-fA-F]+>")
_NODE_ID = re.compile(r"(?<![\w/\\.-])[\w./\\:-]*\.py::[^\s'\"]+")
_ASSERTION = re.compile(r"assert (?<!\wassert ).+")
_SQL = re.compile(r"\[SQL: [^\]]*\]")
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\]]*\]")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]*[^\s'\"<>`.,;:)\]]")
# A timestamp that spells its month starts with a plain word, so the word-start guard of the single
# pass would skip it. Each form holds a space right before its clock (Jan 5 12:30) or its month
# (5 Jan 2024), so the gate searches for that space, a literal the engine finds fastest, and tries
# the rest only there (a search for the month names themselves stops at every capital J, F, M...).
_MONTH_GATE = re.compile(r" (?:\d\d?:\d|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
_MONTH_TIME = re.compile(
    rf"\b(?:{_DAY},? )?{_MONTH} +\d{{1,2}},?(?: \d{{4}})? {_CLOCK}(?: \d{{4}})?\b"
    rf"|\b(?:{_DAY},? )?\d{{1,2}} {_MONTH} \d{{4}}(?: \d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\b"
)

# --- the single pass --------------------------------------------------------------------------
# Each alternative follows the consumed boundary character. Where a rule forbids more characters
# before its value than word characters and dots, a lookbehind right after the boundary (it looks
# at the boundary character itself) says which. Each alternative also names the dispatch groups it
# belongs to (see _DISPATCH: "q" quotes and brackets, "p" other punctuation, "n"/"d" digit starts,
# "W"/"w" letter starts), so that at a boundary only the alternatives able to start there are tried,
# in this order (most specific first).
_QUOTED_LIST = rf"\[\s*(?:{_QUOTED_RUN})(?:\s*,\s*(?:{_QUOTED_RUN}))*\s*\]"
# The body of a single-quoted run (see _QUOTED_RUN) holding at most two spaces.
_QUOTED_SHORT_SEGMENT = r"[^' \n]*(?:(?<=\w)'(?=\w)[^' \n]*)*"
_QUOTED_SHORT = rf"{_QUOTED_SHORT_SEGMENT}(?: {_QUOTED_SHORT_SEGMENT}){{0,2}}"
_IPV6 = r"(?<!:)(?=[0-9a-fA-F:]*::|(?:[0-9a-fA-F]{1,4}:){7})(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])"
_UNIT = r"(?:ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?)(?![\w])"
_RELATIVE_PATH = (
    rf"(?<![/@-])(?=[\w.@+-]*/)(?:"
    rf"(?:[\w.@+-]+/)+(?:[\w.@+-]*\.(?:{_EXT})|[\w.@+-]+/){_LOC}(?![\w/])"
    rf"|(?:[\w.@+-]+/)+[\w.@+-]+:\d+(?::\d+)?(?![\w/])"
    rf"|(?:[\w@+-]+\.[A-Za-z][\w.@+-]*/[\w.@+-]+|(?:[\w.@+-]+/){{2}}[\w.@+-]+)(?:/[\w.@+-]+)+(?![\w/])"
    rf")"
)
_ALTERNATIVES: tuple[tuple[str, str, str], ...] = (
    # A quoted list is one quoted value (Command '['pip', 'install']'); a bare list of quoted items
    # is one list, matched before the quotes themselves: ['a', 'b'] -> one token.
    ("quoted_list", "q", rf"'{_QUOTED_LIST}'"),
    ("list", "q", _QUOTED_LIST),
    # A quoted value with at most two spaces is one token outright (what _quoted decides for it, without
    # the call): the same match as the "quoted" alternative below, whose callback keeps the rest.
    ("quoted_short", "q", rf"(?<!['\"`])(?:'{_QUOTED_SHORT}'|\"[^\" \n]*(?: [^\" \n]*){{0,2}}\")(?![\w])"),
    # GNU and Ruby quote names as `name'; typographic quotes are what gcc prints in UTF-8 locales.
    ("quoted", "q", rf"(?<!['\"`])(?:{_QUOTED_RUN}|`[^`'\n]*'|`[^`\n]*`|‘[^’\n]*’|“[^”\n]*”)(?![\w])"),
    ("path", "p", rf"\\\\[\w.$-]+\\(?:{_SEG}\\)*{_SEG}?{_LOC}"),
    ("path", "p", rf"(?<![/:~-])(?:~|\.{{1,2}})?/(?:{_POSIX_SEG}/)*[\w.@+~%=-]*{_LOC}"),
    ("requirement", "p", rf"{_REQUIREMENT_OPS}\s?\d[\w.*+!-]*(?:,\s?[<>=!~]=?\s?\d[\w.*+!-]*)*"),
    ("duration", "p", rf"[<>~]\d+(?:\.\d+)?\s?{_UNIT}"),
    ("uuid", "dWw", r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    (
        "time",
        "d",
        r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
        r"|\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b",
    ),
    # user@host (ssh, git remotes, e-mail) names a host; a requirement's "@" is followed by a version.
    (
        "userhost",
        "dw",
        r"(?<![@/-])[\w.+-]+@(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|(?:[\w-]+\.)+[A-Za-z][\w-]*)(?![\w@-])",
    ),
    # Requirement specifiers: name and version vary together (requests==2.31.0, eslint@^8.3.0).
    (
        "requirement",
        "w",
        rf"(?<![@/-])@?[A-Za-z][\w.-]*(?:/[\w.-]+)?(?:\[[\w,-]+\])?"
        rf"(?:{_REQUIREMENT_OPS}\s?[\w.*+!-]+(?:\s?,\s?(?:{_REQUIREMENT_OPS}|[<>])\s?[\w.*+!-]+)*"
        rf"|@(?:[\^~]?\d[\w.+-]*|\"[^\"\n]*\"|'[^'\n]*'))",
    ),
    ("path", "w", rf"(?<!\\)[A-Za-z]:\\(?:{_SEG}\\)*{_SEG}?{_LOC}"),
    # Relative paths: with a known extension or a trailing slash, with a line number, under a
    # domain (a Go package: github.com/org/repo/pkg) or three slashes deep; shorter slashed words
    # are often constant (TCP/IP, seq/ack/win).
    ("path", "dw", _RELATIVE_PATH),
    ("path", "dw", rf"(?<![/@\\-])[\w-]*(?<=\w)\.(?:{_EXT}){_LOC}(?![\w/.\\-])"),
    ("ip", "pdw", _IPV6),
    ("hex", "d", r"0x[0-9a-fA-F]+\b"),
    # Maven/Gradle coordinates (group:artifact:version[:goal]) are the JVM's requirement specifiers.
    ("requirement", "w", r"[A-Za-z][\w.-]*:[\w.-]+:\d+\.\d(?:[\w-]|\.(?=\w))*(?::[A-Za-z][\w-]*)?(?![\w:])"),
    # An endpoint is one value whether printed by name or by address.
    ("host", "d", r"(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}(?![\w.])"),
    ("ip", "d", r"(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"),
    ("host", "dw", r"(?:localhost|(?:[a-zA-Z0-9-]+\.)+[a-zA-Z][a-zA-Z0-9-]*):\d{1,5}\b"),
    # Versions: two dots at least, or a v prefix (3.11.7, v18.19.0, 2.0.0rc1, 1.0.0+local).
    ("version", "dw", r"v?\d+\.\d+\.\d+(?:\.\d+)?(?:[-.+]?[A-Za-z][\w.]*)?(?![\w])|v\d+\.\d+\b"),
    # Ids: hex hashes (git SHAs: 7+ hex digits mixing letters and digits) and long opaque tokens
    # (request ids, API keys, base64) mixing letters and digits. An opaque token never swallows a
    # hex value glued to it by a separator ("36726/0x7000002a0000").
    (
        "hex",
        "dWw",
        r"(?=[0-9]*[a-f])(?=[a-f]*\d)[0-9a-f]{7,}\b|(?=[0-9]*[A-F])(?=[A-F]*\d)[0-9A-F]{7,}\b",
    ),
    (
        "id",
        "dWw",
        r"(?<![/+=-])(?=[\w+/-]{20})(?=[\w+/-]*\d)(?=[\w+/-]*[A-Za-z])(?:\w|[+/-](?!0x)){20,}={0,2}(?![\w/+=-])",
    ),
    ("id", "Ww", r"(?=[\w-]{12})[A-Za-z]+[_-](?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{10,}\b"),
    # A status line ("503 Service Unavailable") prints one enumerated value; keep only its class,
    # so 502/503/504 stay one pattern while 429 and 503 stay apart.
    ("status_line", "dn", _HTTP_STATUS_LINE),
    # Durations and sizes before plain numbers, so the unit goes with its value.
    ("duration", "d", r"(?<!:)\d{1,2}:\d{2}(?![\w:])"),
    ("duration", "nd", rf"\d+(?:\.\d+)?\s?{_UNIT}"),
    # "1190 bytes (1.16 KB)": a size echoed in two units is still one value.
    ("size", "nd", rf"{_SIZE}(?: \({_SIZE}\))?(?![\w])"),
    # A number that may be an HTTP status code (three digits, 1xx to 5xx) is told apart by its
    # context in the replacement; every other number is masked outright.
    ("status", "nd", r"(?<!-)[1-5]\d\d(?!\.?\w)"),
    ("number", "ndWw", r"(?<!-)-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?!\.?\w)"),
)

#: First characters of each dispatch group. A digit run followed by a whitespace ("n": 42 ms, or
#: 503 Service Unavailable) can only be a status line, a duration, a size or a number, a case worth
#: its own group; a digit run ending at a separator never gets this far (the shortcuts take it).
#: Likewise a token of only word characters and dashes holding a digit ("W": req_011CH9x,
#: sk-proj-Ab3d) can only be one of the few values made of those. Any other "w" token is worth trying
#: only if it holds a digit or a character that glues a value to it (a slash, colon, dot, at-sign or
#: operator followed by more of the token): plain words and words ending a clause ("Error:",
#: "failed.") are rejected at once. A digit-started token of word characters and dashes has no
#: group of its own: each "d" alternative it cannot match needs a dot, colon, slash or at-sign, or
#: (a status line) was already tried in "n", and fails on its first characters.
_TOKEN_END = r"(?:[\s,;)\]}'\"]|$)"
# Most boundaries are followed by a plain word ("Error:", "failed.", "module") or by a character no
# value starts with (a space after ": "), so one lookahead rejects them before any dispatch.
_NOTHING_STARTS = (
    r"(?![A-Za-z]++(?:[\s,;)\]]|[.:!?]+(?:\s|$)|$)|[^\w'\"`‘“\[\\/~.:=<>!@+-]|$"
    r"|-(?:\s|$)|\[(?!\s*['\"])|[A-Za-z_]+(?:\.[A-Za-z_]+)*\.[A-Z][A-Za-z_]*:?(?:\s|$))"
)
# Every alternative's first token reaches a value character through letters, "_", "+" and "-" at
# most: a digit, a quote or bracket, one of \ / ~ = ! @, a "<" or ">" before a digit or "=" (a
# bound, a comparison operator), or a dot or colon glued to more of the token (the lookaheads of
# _DISPATCH below require no less; for "<" and ">", the alternatives themselves do). So a boundary
# where none is reached cannot start a match; this one possessive lookahead rejects such a boundary
# (most of them: a space before a plain word, a comma or colon before a space, either end of a
# placeholder an earlier rule put there) at a fraction of _NOTHING_STARTS' cost.
_CAN_START = r"(?=[A-Za-z_+-]*+(?:[\d'\"`‘“\[\\/~=!@]|[<>][\d=]|[.:]\S))"
#: Families of groups by first character (letters, digits, quotes, other punctuation), then the
#: groups of each family with their own lookahead.
_DISPATCH: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        r"(?=[A-Za-z_@+-])",
        (
            ("W", rf"(?=[A-Za-z_-]*+\d[\w-]*+{_TOKEN_END})"),
            ("w", r"(?=[A-Za-z_+-]*+(?:\d|[/\\:.@=<>~!][^\s]))"),
        ),
    ),
    (
        r"(?=\d)",
        (
            ("n", r"(?=\d++\s)"),
            ("d", ""),
        ),
    ),
    (r"(?=['\"`‘“\[])", (("q", ""),)),
    (r"(?=[\\/~.:=<>!])", (("p", ""),)),
)

#: Shortcuts for the commonest values, tried right after _CAN_START (which each of them implies) and
#: before everything else. Each starts with a character class that consumes the value's first
#: character, which lets the engine skip it at once on every other boundary, and repeats exactly the
#: conditions under which the full path (_NOTHING_STARTS, then _DISPATCH) would reach the same
#: alternative and match the same text; a lookbehind over the boundary and that first character does
#: the boundary's checks. Whatever a shortcut does not take, the full path still decides.
_SHORTCUTS: tuple[tuple[str, str], ...] = (
    # A digit run ending its token at a separator or at a whitespace character (4 tests, 10 of 12):
    # a status code or a number, in this order. After a whitespace, only unless the next
    # character may start what a status line, a duration or a size puts there (an uppercase reason
    # or unit, or ms, us, µs, ns, s, min, h, days, kB, bytes).
    ("status", r"[1-5](?<=[^\w-][1-5])\d\d(?=[,;)\]]|$|\s(?![A-Zmunshdkbµ]))"),
    ("number", r"\d(?<=[^\w-]\d)\d*+(?=[,;)\]]|$|\s(?![A-Zmunshdkbµ]))"),
    # A lowercase hex token of 7 characters or more starting with a digit.
    ("hex", rf"[0-9](?<=\W[0-9])(?=[0-9]*+[a-f][0-9a-f]*+{_TOKEN_END})[0-9a-f]{{6,}}\b"),
    # A short quoted value ("q", not a quoted list).
    ("quoted_short", rf"'(?<=[^\w'\"`]')(?!\[){_QUOTED_SHORT}'(?![\w])"),
    ("quoted_short", r'"(?<=[^\w\'"`]")[^" \n]*(?: [^" \n]*){0,2}"(?![\w])'),
)

#: A relative path whose first segment is a plain name ("src/app/x.py", "pkg_a/b/"), with no "=" or
#: "@" before the next space: no "w" alternative before _RELATIVE_PATH can match it (a UUID needs a
#: dash, a user@host or requirement an "@" or operator, a Windows path a colon), _NOTHING_STARTS and
#: the "W" lookahead reject no such token, and the "w" lookahead holds once the slash is followed by
#: more of the token. Tried after _CAN_START and the other shortcuts, so plain words never reach it.
_PATH_SHORTCUT = rf"(?=[A-Za-z_]++/\S)(?=[^\s=@]*+(?:\s|$))(?<=\W){_RELATIVE_PATH}"


_PLACEHOLDER_OF_KIND = {
    "uuid": UUID,
    "time": TIME,
    "userhost": HOST,
    "requirement": REQUIREMENT,
    "path": PATH,
    "ip": IP,
    "hex": HEX,
    "host": HOST,
    "version": VERSION,
    "id": ID,
    "duration": DURATION,
    "size": SIZE,
    "list": LIST,
    "quoted_list": QUOTED,
    "quoted_short": QUOTED,
    "number": NUM,
}


def _marked(alternatives: list[tuple[str, str]], group: str) -> str:
    """Join ``(kind, pattern)`` alternatives, each run of one replacement closed by one empty group.

    The group tells the replacement which alternative matched: it is the match's ``lastindex``. A
    run of neighbours with the same replacement (two path forms, a user@host then a host) shares
    one group, so the regex holds few groups: Python sizes every match object to all of them.
    Groups are named ``<kind>_<group><n>`` after the run's first kind.
    """
    runs: list[tuple[str, str, list[str]]] = []
    for kind, pattern in alternatives:
        replacement = _PLACEHOLDER_OF_KIND.get(kind, kind)
        if runs and runs[-1][0] == replacement:
            runs[-1][2].append(pattern)
        else:
            runs.append((replacement, kind, [pattern]))
    return "|".join(
        "(?:" + "|".join(f"(?:{pattern})" for pattern in patterns) + f")(?P<{kind}_{group}{index}>)"
        for index, (_, kind, patterns) in enumerate(runs)
    )


def _dispatched_alternatives() -> str:
    """Every alternative, in the group its first character selects: the masking rules themselves.

    Alone after a boundary, this is what the single pass means; the filters and shortcuts in front
    of it only make it cheaper (the tests compare both).
    """
    families = []
    for family_lookahead, groups in _DISPATCH:
        branches = []
        for group, lookahead in groups:
            alternatives = [(kind, pattern) for kind, starts, pattern in _ALTERNATIVES if group in starts]
            branches.append(f"{lookahead}(?:{_marked(alternatives, group)})")
        families.append(f"{family_lookahead}(?:{'|'.join(branches)})")
    return "|".join(families)


def _single_pass_pattern() -> re.Pattern[str]:
    """One regex: a boundary character, then the alternatives of the group its next character selects.

    Each marking group is empty and closes its alternatives, so the engine, until one of them has
    matched, holds no mark beyond the boundary's: it saves marks before every backtracking point
    inside a repeat, which for a late alternative opened as a group meant copying many each time.
    """
    # An ASCII class is much cheaper to test than the Unicode \w category, and the engine tests it
    # at every character; the lookbehind then rejects the rare non-ASCII letter.
    shortcuts = _marked([*_SHORTCUTS, ("path", _PATH_SHORTCUT)], "f")
    full = r"(?<=\W)" + _NOTHING_STARTS + f"(?:{_dispatched_alternatives()})"
    return re.compile(r"([^a-zA-Z0-9_.])" + _CAN_START + f"(?:{shortcuts}|{full})")


def _ascii_whitespace(pattern: str) -> str:
    r"""Spell ``\s`` and ``\S`` so that they keep their Unicode meaning under ``re.ASCII``.

    On ASCII text, ``re.ASCII`` changes the meaning of ``\s`` alone: it drops the four separator
    controls ``\x1c``-``\x1f``, which ``str.isspace`` counts as whitespace. Adding them back
    gives a pattern that matches exactly what the Unicode one matches on every ASCII string.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escape = pattern[index : index + 2]
            if escape == r"\s":
                escape = r"\s\x1c-\x1f" if in_class else r"[\s\x1c-\x1f]"
            elif escape == r"\S":
                if in_class:
                    raise ValueError(r"\S inside a character class has no ASCII spelling here")
                escape = r"[^\s\x1c-\x1f]"
            out.append(escape)
            index += 2
            continue
        out.append(char)
        index += 1
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A "]" right after "[" or "[^" is a member of the class, not its end.
            for literal in ("^", "]"):
                if pattern.startswith(literal, index):
                    out.append(literal)
                    index += 1
    return "".join(out)


_SINGLE_PASS = _single_pass_pattern()
# The same pass for ASCII text (most error messages): under re.ASCII, \w, \d and \b test a table
# instead of the Unicode database (four lookups for a character that is not a word character),
# which the engine does at every boundary. Same groups, same matches on every ASCII string.
_SINGLE_PASS_ASCII = re.compile(_ascii_whitespace(_SINGLE_PASS.pattern), re.ASCII)


def _status_or_number(match: re.Match[str]) -> str:
    """Mask a three-digit number unless its context marks it as an HTTP status code.

    Status codes name different failures (429 and 503 are different patterns), so they stay in
    the template; counts, ports, sizes and exit statuses are values printed through a placeholder.
    """
    start = match.start() + 1
    string = match.string
    # The context regex is slow to search; a keyword it accepts ends, before the optional ":" or "="
    # and the spaces, in one of few characters, so a number after any other ASCII one is a number.
    before = string[max(0, start - 16) : start].rstrip()
    if before[-1:] in _STATUS_SEPARATORS:
        before = before[:-1].rstrip()
    last = before[-1:]
    if last and (last in _STATUS_KEYWORD_ENDS or not last.isascii()):
        if _STATUS_BEFORE.search(string, max(0, start - 16), start):
            return match.group()
    return match[1] + NUM


def _quoted(match: re.Match[str]) -> str:
    """Collapse a quoted value to one token, but keep a quoted sentence as text.

    A value ('x', "users.name", `foo bar`) varies between occurrences and may contain spaces, so it
    becomes one token and token counts stay stable. A nested error sentence ('This request would
    exceed the rate limit ...') is the constant text of the failure, so only its inner values are
    masked.
    """
    quoted = match.group()
    # Most quoted values hold no three spaces; counting from the body's first character (the
    # boundary and the opening quote come first, the closing quote is no space) decides at once.
    if quoted.count(" ", 2) < 3:
        return quoted[0] + QUOTED
    body = quoted[2:-1]
    if body.rstrip()[-1:] in ".!?" and body[:1].isalpha():
        return quoted[:2] + _mask_line(body)[1:] + quoted[-1]
    return quoted[0] + QUOTED


# A special replacement gets the whole match and returns the whole replacement, boundary included
# (one call and one concatenation fewer than adding the boundary afterwards).
_SPECIAL: dict[str, Callable[[re.Match[str]], str]] = {
    "status": _status_or_number,
    "status_line": lambda match: match[1] + _HTTP_CLASSES[match.group()[1]],
    "quoted": _quoted,
}
# Per group index rather than per kind: the replacement runs for every masked value, so it should
# cost one tuple index (``lastindex`` is the alternative's group; group 1 is the boundary).
_KIND_OF_INDEX = [""] * (_SINGLE_PASS.groups + 1)
for _name, _index in _SINGLE_PASS.groupindex.items():
    _KIND_OF_INDEX[_index] = _name.rpartition("_")[0]
_CONSTANT_OF_INDEX = tuple(_PLACEHOLDER_OF_KIND.get(kind) for kind in _KIND_OF_INDEX)
_SPECIAL_OF_INDEX = tuple(_SPECIAL.get(kind) for kind in _KIND_OF_INDEX)
del _name, _index


def _replace(match: re.Match[str]) -> str:
    """Replacement for one single-pass match: the boundary character, then the placeholder."""
    index: int = match.lastindex  # type: ignore[assignment]
    placeholder = _CONSTANT_OF_INDEX[index]
    if placeholder is None:
        return _SPECIAL_OF_INDEX[index](match)  # type: ignore[misc,no-any-return]
    return match[1] + placeholder


# Variable-length lists printed as one span: "<PATH>, <PATH>, <PATH>" is one list.
_REPEATED_PLACEHOLDER = re.compile(r"(<[A-Z_]+>)(?:(?:\s*,\s*|\s+(?:and|or)\s+)\1)+")


def _first_group(match: re.Match[str]) -> str:
    """Replacement by the first group; a callable is cheaper than a template string for ``re.sub``."""
    return match.group(1)


def _sub_in_tokens(pattern: re.Pattern[str], replacement: str, line: str, marker: str) -> str:
    """``pattern.sub(replacement, line)`` for a pattern whose matches hold ``marker`` and no whitespace.

    Such a pattern has no first character the engine could scan for, so it would try a match at
    every position of the line; only the span from the space before the first marker to the space
    after the last one can hold a match. Each lookbehind or word boundary at the start of the
    pattern treats that space as it treats the start of the string, so the span gives the same
    matches as the line.
    """
    start = line.rfind(" ", 0, line.find(marker)) + 1
    end = line.find(" ", line.rfind(marker))
    if end < 0:
        end = len(line)
    return line[:start] + pattern.sub(replacement, line[start:end]) + line[end:]


def _mask_values(line: str) -> str:
    """Mask the values of one line; the result starts with a space (the boundary of its first token)."""
    # Unrolled, in this order: an object repr, a node id, an assert expression, SQL, a URL.
    if " at 0x" in line:
        line = _OBJECT_REPR.sub(OBJECT, line)
    if ".py::" in line:
        line = _sub_in_tokens(_NODE_ID, NODEID, line, ".py::")
    if "assert " in line:
        line = _ASSERTION.sub(f"assert {EXPR}", line)
    if "[" in line:
        if "[SQL: " in line:
            line = _SQL.sub("[SQL: <SQL>]", line)
        if "[parameters: " in line:
            line = _SQL_PARAMETERS.sub("[parameters: <PARAMS>]", line)
    if "://" in line:
        line = _sub_in_tokens(_URL, URL, line, "://")
    if ":" in line and _MONTH_GATE.search(line):
        line = _MONTH_TIME.sub(TIME, line)
    single_pass = _SINGLE_PASS_ASCII if line.isascii() else _SINGLE_PASS
    return single_pass.sub(_replace, " " + line)


def _mask_line(line: str) -> str:
    """Mask one line, lists of one placeholder included; the result starts with a space."""
    line = _mask_values(line)
    if "<" in line:
        line = _REPEATED_PLACEHOLDER.sub(_first_group, line)
    return line


def _mask_normalised_line(line: str) -> str:
    """Mask one line and normalise its whitespace (what ``mask`` returns for each line).

    Collapsing a list after normalising gives the same text as before it: the list's separators
    match any whitespace, and a list never contains any. On normalised text, a list holds one of
    the few separator spellings tested here, so most lines skip the list regex altogether.
    """
    masked = _mask_values(line)
    # Splitting and joining is the identity on a line that starts with the one space _mask_values
    # puts there and holds no other whitespace than single inner spaces: every other whitespace
    # character (tabs, newlines, Unicode spaces) is non-printable, which one C scan tells.
    if "  " in masked or masked[-1:] == " " or not masked.isprintable():
        line = " ".join(masked.split())
    else:
        line = masked[1:]
    if ",<" in line or ", <" in line or "> and <" in line or "> or <" in line:
        line = _REPEATED_PLACEHOLDER.sub(_first_group, line)
    return line


def _structure_lines(text: str) -> list[str]:
    """Replace stack frames and echoed source lines by fixed lines; drop blank lines."""
    out: list[str] = []
    frame_indent: int | None = None
    # Each regex runs only when its literal part occurs in the line (a caret or tilde, 'File "', "at ").
    for line in text.splitlines():
        if not line.strip() or (("^" in line or "~" in line) and _CARETS.match(line)):
            continue
        indent = len(line) - len(line.lstrip())
        frame = _FRAME.match(line) if 'File "' in line else None
        if frame:
            frame_indent = indent
            out.append(f"File {PATH}, line {NUM}" + (f", in {FUNC}" if frame.group(2) else ""))
            continue
        if frame_indent is not None and indent > frame_indent:
            continue  # echoed source line of the frame above
        frame_indent = None
        out.append(f"at {FRAME}" if "at " in line and _AT_FRAME.match(line) else line)
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
        return " | ".join(_collapse_lines([_mask_normalised_line(line) for line in _structure_lines(message)]))
    return _mask_normalised_line(message)
