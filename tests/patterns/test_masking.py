import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pytest_autopack.patterns import masking
from pytest_autopack.patterns.masking import mask


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # paths: POSIX, Windows, spaces, relative, file.py:123
        ("error: patch failed: src/app/routes.py:488", "error: patch failed: <PATH>"),
        ("open /home/ci/My Project/src/index.js now", "open <PATH> now"),
        (r"at C:\Users\dev\My Project\server.js", "at <PATH>"),
        ("see lib/x.py:12:5 then build.js", "see <PATH> then <PATH>"),
        ("SyntaxError: bad (models.py, line 861)", "SyntaxError: bad (<PATH>, line <NUM>)"),
        ("src/store/index.ts(160,11): error TS2339: bad", "<PATH>: error TS2339: bad"),
        # hex addresses and object reprs
        ("got <app.Foo object at 0x7f3a2b1c> and 0xdeadbeef", "got <OBJECT> and <HEX>"),
        # ids and hashes
        ("commit 3f2a9c1b4d5e6f708192a3b4c5d6e7f809a1b2c3 failed", "commit <HEX> failed"),
        ("trace 123e4567-e89b-12d3-a456-426614174000", "trace <UUID>"),
        ("key sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7 rejected", "key <ID> rejected"),
        ("'request_id': 'req_011CHNgwKrqaJ5oQsovbRp0J'", "<QUOTED>: <QUOTED>"),
        # times and durations
        ("at 2024-05-01T12:30:45.123Z retry", "at <TIME> retry"),
        ("Phase timed out after 600s", "Phase timed out after <DURATION>"),
        ("timed out after 120.0s, took 12ms", "timed out after <DURATION>, took <DURATION>"),
        ("waited 600 seconds", "waited <DURATION>"),
        ("Retry-After: 20", "Retry-After: <NUM>"),
        # numbers, sizes, percentages, counts
        ("3 failed, 12 passed", "<NUM> failed, <NUM> passed"),
        ("used 10MB of 2.3 GiB (45%)", "used <SIZE> of <SIZE> (<NUM>%)"),
        # quoted values collapse to one token, spaces included
        ("ModuleNotFoundError: No module named 'x'", "ModuleNotFoundError: No module named <QUOTED>"),
        ("KeyError: 'two words'", "KeyError: <QUOTED>"),
        ("unexpected keyword `z z`", "unexpected keyword <QUOTED>"),
        ('Missing script: "dev"', "Missing script: <QUOTED>"),
        # network
        ("GET https://api.example.com/v1/runs/42?x=1 failed", "GET <URL> failed"),
        ("connect 10.0.4.17:5432 via fe80::1 from 10.0.0.1", "connect <HOST> via <IP> from <IP>"),
        ("proxy.example.com:8080 open", "<HOST> open"),
        # versions and specifiers
        ("Python 3.11.7 on v18.19.0", "Python <VERSION> on <VERSION>"),
        ("requirement requests==2.31.0 or pkg@1.2.3", "requirement <REQ>"),
        ("needs >=3.8,<4", "needs <REQ>"),
        ("peer react@\"^17.0.0\" from @testing-library/react@2.7.10", "peer <REQ> from <REQ>"),
        # pytest node ids
        ("FAILED tests/test_x.py::TestY::test_z[param-1] - boom", "FAILED <NODEID> - boom"),
        # ANSI codes and whitespace
        ("\x1b[31mERROR\x1b[0m   collecting   <x>", "ERROR collecting <x>"),
        # variable-length lists are one span
        ("outside scope: a/b.py, c/d.py, e.py", "outside scope: <PATH>"),
        ("allowed scope ['tests/', 'src/backend/']", "allowed scope <LIST>"),
        # echoed data
        ("AssertionError: assert len(x) == 3", "AssertionError: assert <EXPR>"),
        # quoting styles of other tools: GNU/Ruby `name', gcc's typographic quotes
        ("NoMethodError: undefined method `each' for nil", "NoMethodError: undefined method <QUOTED> for nil"),
        ("main.c:12:5: error: ‘counter’ undeclared", "<PATH>: error: <QUOTED> undeclared"),
        # user@host, Maven/Gradle coordinates, Go packages
        ("deploy@10.0.4.17: Permission denied (publickey).", "<HOST>: Permission denied (publickey)."),
        ("> Could not find com.squareup.okhttp3:okhttp:4.12.0.", "> Could not find <REQ>."),
        ("FAIL\tgithub.com/acme/api/internal/store\t0.412s", "FAIL <PATH> <DURATION>"),
    ],
)
def test_masks_variable_parts(message, expected):
    assert mask(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "openai.RateLimitError: Error code: 429 - rate limited",
        "HTTP status 503",
        "FileNotFoundError: ENOENT: no such file",
        "Error: EACCES: permission denied",
        "src/a.ts: error TS2339: Property",
        "sqlalchemy.exc.IntegrityError: UNIQUE constraint failed",
        "pip install failed; npm run build failed",
        "accepting TCP/IP connections",
        "Updated seq/ack/win from client",
    ],
)
def test_never_masks_constant_parts(message):
    masked = mask(message)
    for word in ("RateLimitError", "429", "503", "ENOENT", "EACCES", "127", "TS2339", "IntegrityError",
                 "pip", "npm", "TCP/IP", "seq/ack/win"):
        if word in message:
            assert word in masked


def test_exit_statuses_are_values_but_http_statuses_are_not():
    assert mask("returned non-zero exit status 127.") == "returned non-zero exit status <NUM>."
    assert mask("status: 404 len: 1893") == "status: 404 len: <NUM>"


def test_status_lines_keep_their_class():
    assert mask("APIStatusError: 503 Service Unavailable") == mask("APIStatusError: 502 Bad Gateway")
    assert mask("APIStatusError: 429 Too Many Requests") != mask("APIStatusError: 503 Service Unavailable")


def test_singular_and_plural_wording_survive():
    assert mask("CI failed: 1 test failed") != mask("CI failed: 3 tests failed")


def test_traceback_frames_and_source_lines_collapse():
    one = 'Traceback (most recent call last):\n  File "/a/b.py", line 3, in <module>\n    import x\nE: y'
    two = (
        'Traceback (most recent call last):\n  File "C:\\a\\b.py", line 30, in main\n    go()\n'
        '  File "/a/c.py", line 1, in go\n    import z as q\n       ^^^^^\nE: y'
    )
    assert mask(one) == mask(two)
    assert mask(one) != mask("E: y")


def test_require_stack_of_any_length_is_one_span():
    short = "Error: Cannot find module 'a'\nRequire stack:\n- /x/y.js"
    long = "Error: Cannot find module 'b'\nRequire stack:\n- /x/y.js\n- C:\\p\\My Project\\z.js\n- /q.js"
    assert mask(short) == mask(long)


def test_quoted_sentence_keeps_its_words():
    masked = mask("{'message': 'Rate limit reached for org-1a2b3c4d5e6f. Please retry in 2.5s.'}")
    assert "Rate limit reached for" in masked
    assert "<DURATION>" in masked


def test_mask_is_idempotent_on_masked_text():
    once = mask("FileNotFoundError: [Errno 2] No such file or directory: '/tmp/x 1.txt'")
    assert mask(once) == once


def test_jvm_and_javascript_stacks_of_any_depth_are_one_span():
    short = 'java.lang.NullPointerException: "x" is null\n\tat com.a.B.run(B.java:42)'
    long = (
        'java.lang.NullPointerException: "y" is null\n\tat com.a.C.go(C.java:7)\n'
        "\tat com.a.B.run(B.java:42)\n\tat java.base/java.lang.Thread.run(Thread.java:833)"
    )
    assert mask(short) == mask(long) == "java.lang.NullPointerException: <QUOTED> is null | at <FRAME>"
    node = "Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect (node:net:1555:16)"
    assert mask(node) == "Error: connect ECONNREFUSED <HOST> | at <FRAME>"


def test_value_glued_to_a_word_or_after_a_separator_is_still_found():
    assert mask("ksfetch[36726/0x7000002a0000]") == "ksfetch[<NUM>/<HEX>]"
    assert mask("x=3,y=-4 (45%)") == "x=<NUM>,y=<NUM> (<NUM>%)"
    assert mask("Command '['npm', 'run', 'build']' failed") == "Command <QUOTED> failed"


# Lines of tokens holding whole and broken node ids and URLs, glued or separated by the characters
# those rules look at, so that several matches per line, near misses and glued tokens all occur.
_RULE_TOKENS = st.sampled_from(
    ["tests/test_a.py::test_b[1-2]", "a.py::T::m", "x.py::", "https://h.io/p?q=1", "git+ssh://git@h/r.git",
     "_https://x", "é://y", "://", ".py::", "tests/x", "word", "9", "-", ".", ":", "/", "\\", "'", '"', ")"]
)
_RULE_LINES = st.lists(st.tuples(st.sampled_from(["", " ", " ", "\t", "'", "(", ","]), _RULE_TOKENS), max_size=12).map(
    lambda pieces: "".join(separator + token for separator, token in pieces)
)


@pytest.mark.parametrize(
    ("pattern", "replacement", "marker"),
    [(masking._NODE_ID, masking.NODEID, ".py::"), (masking._URL, masking.URL, "://")],
    ids=["node-id", "url"],
)
@settings(max_examples=400, deadline=None)
@given(line=_RULE_LINES)
def test_substitution_within_marked_tokens_equals_substitution_over_the_line(pattern, replacement, marker, line):
    assume(marker in line)
    assert masking._sub_in_tokens(pattern, replacement, line, marker) == pattern.sub(replacement, line)


@pytest.mark.parametrize("pattern", [r"\s", r"\S", r"[\s]", r"[^\s]", r"[]\s]", r"[^]\s]", r"[x\s]", r"\\s"])
def test_ascii_spelling_of_whitespace_matches_every_ascii_character_like_unicode(pattern):
    unicode, ascii_only = re.compile(pattern), re.compile(masking._ascii_whitespace(pattern), re.ASCII)
    for char in map(chr, range(128)):
        assert bool(unicode.fullmatch(char)) == bool(ascii_only.fullmatch(char)), (pattern, char)


def test_ascii_spelling_refuses_a_negated_whitespace_escape_inside_a_class():
    with pytest.raises(ValueError, match="character class"):
        masking._ascii_whitespace(r"[\S]")


# ASCII lines of values each rule masks, near misses and arbitrary ASCII, joined by separators that
# include the controls only Unicode \s counts as whitespace.
_ASCII_TOKENS = st.one_of(
    st.sampled_from(
        ["503", "42", "ms", "KB", "Service Unavailable", "0x1f", "'a b'", '"x"', "/usr/lib/x.py:3", "C:\\x\\y.py",
         "src/app/x.py", "1.2.3", "v2.0", "10.0.0.1:80", "db.local:5432", "req_011CH9xAbcdEfGh", "a==1.0",
         "abc1234", "12:30:01", "2024-01-05", "user@host.io", "['a', 'b']", "status:", "code=", "-7", "1e5"]
    ),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=8),
)
_ASCII_LINES = st.lists(
    st.tuples(st.sampled_from(["", " ", " ", "  ", "\t", "\x1c", "\x1f", ",", "(", "'"]), _ASCII_TOKENS), max_size=14
).map(lambda pieces: "".join(separator + token for separator, token in pieces))


@settings(max_examples=600, deadline=None)
@given(line=_ASCII_LINES)
def test_ascii_single_pass_matches_like_the_unicode_one_on_ascii_text(line):
    line = " " + line

    def matches(pattern: re.Pattern[str]) -> list[tuple[tuple[int, int], int | None]]:
        return [(match.span(), match.lastindex) for match in pattern.finditer(line)]

    assert matches(masking._SINGLE_PASS_ASCII) == matches(masking._SINGLE_PASS)


# The rules alone: every alternative after a boundary, without the filters (_CAN_START,
# _NOTHING_STARTS) and shortcuts that only make the single pass cheaper.
_RULES_ALONE = re.compile(r"([^a-zA-Z0-9_.])(?<=\W)(?:" + masking._dispatched_alternatives() + ")")
_VALUE_TOKENS = st.sampled_from(
    ["503", "42", "7", "-3", "1.5", "1e5", "42 ms", "12 KB", "503 Service Unavailable", "0x1f", "abc1234",
     "'a b'", "'it''s a long quoted sentence here.'", '"x y"', "`cmd`", "['a', 'b']", "[Errno 2]", "/usr/lib/x.py:3",
     "~/p", "./a", "C:\\x\\y.py", "\\\\srv\\share\\f", "src/app/x.py", "a/b/c/d", "github.com/o/r/pkg", "x.py",
     "1.2.3", "v2.0", "10.0.0.1", "10.0.0.1:80", "::1", "db.local:5432", "localhost:8080", "user@host.io",
     "req_011CH9xAbcdEfGh", "sk-proj-Ab3dEfGhIjKlMnOpQrSt", "a==1.0", "b>=2,<3", "<=1.0", ">=2", "<5ms", ">3",
     "pkg@^1.2.0", "g.a:art:1.0", "2024-01-05", "12:30:01", "12:30", "uuid 123e4567-e89b-12d3-a456-426614174000",
     "<NUM>", "<PATH>", "<NODEID> -", "anthropic.RateLimitError:", "Error:", "failed.", "word", "x<y", "a>b",
     "status:", "code=", "HTTP/1.1", "TS2345:", "ERR!", "=", "@", "!", "~", ":", "."]
)
_VALUE_LINES = st.lists(
    st.tuples(
        st.sampled_from(["", " ", " ", "  ", "\t", ",", ", ", "(", ")", "'", '"', "[", "=", ":", "/", "-", "é"]),
        st.one_of(_VALUE_TOKENS, st.text(max_size=6)),
    ),
    max_size=12,
).map(lambda pieces: " " + "".join(separator + token for separator, token in pieces))


def _matched_kinds(pattern: re.Pattern[str], line: str) -> list[tuple[tuple[int, int], str]]:
    kind_of_index = {index: name.rpartition("_")[0] for name, index in pattern.groupindex.items()}
    return [(match.span(), kind_of_index[match.lastindex]) for match in pattern.finditer(line)]


@settings(max_examples=1500, deadline=None)
@given(line=_VALUE_LINES)
def test_filters_and_shortcuts_change_no_match_of_the_rules(line):
    expected = _matched_kinds(_RULES_ALONE, line)
    assert _matched_kinds(masking._SINGLE_PASS, line) == expected
    if line.isascii():
        assert _matched_kinds(masking._SINGLE_PASS_ASCII, line) == expected
