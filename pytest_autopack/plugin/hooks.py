"""Options, ini keys, markers, settings resolution and the header line."""

from __future__ import annotations

import os
import secrets

import pytest

from pytest_autopack.errors import UsageError
from pytest_autopack.plugin.keys import PG_USED_KEY, RUN_ID_KEY, SETTINGS_KEY
from pytest_autopack.settings import OPTIONS, resolve_settings

MARKERS = (
    "autopack_gate(stage=None, check_id=None, severity='blocker'): a rollout-gate check; "
    "runs with --autopack-stage and votes in the GO/NO-GO verdict",
    "autopack_postgres: run this test only on the PostgreSQL dialect",
    "autopack_sqlite: run this test only on the SQLite dialect",
    "autopack_flags(**flags): set feature flags (kill switches) for this test, restored afterwards",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register each setting as an option, an ini key and (documented) an environment variable."""
    group = parser.getgroup("autopack", "rollout gate and fixtures for Autopack control planes")
    for spec in OPTIONS:
        env = f" [env {spec.env}]" if spec.env else ""
        default = f" (default: {spec.default})" if spec.default not in (None, False) else ""
        help_text = spec.help + default + env
        if spec.flag:
            group.addoption(spec.cli, action="store_true", default=None, dest=f"autopack_{spec.stem}", help=help_text)
            parser.addini(spec.ini, help_text, type="bool", default=None)
        else:
            metavar = spec.metavar or (
                "{" + ",".join(spec.choices) + "}" if spec.choices else spec.stem.split("_")[-1].upper()
            )
            # No ``choices=`` here: a bad value is reported by settings resolution as one line,
            # the same way whether it came from the command line, the environment or the ini file.
            group.addoption(spec.cli, default=None, dest=f"autopack_{spec.stem}", metavar=metavar, help=help_text)
            parser.addini(spec.ini, help_text, default=None)
    group.addoption(
        "--autopack-silence",
        action="append",
        default=[],
        dest="autopack_silence",
        metavar="ID:REASON",
        help="report gate check ID as silenced with REASON instead of letting it vote (repeatable)",
    )
    parser.addini("autopack_silence", "gate checks to silence, one ID:REASON per line", type="linelist", default=[])


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Resolve settings once; a bad value stops pytest with one line and exit code 4."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    try:
        settings = resolve_settings(
            cli=lambda stem: config.getoption(f"autopack_{stem}"),
            ini=lambda key: config.getini(key),
            environ=os.environ,
            silence=[*config.getini("autopack_silence"), *config.getoption("autopack_silence")],
        )
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SETTINGS_KEY] = settings
    workerinput = getattr(config, "workerinput", None)
    config.stash[RUN_ID_KEY] = workerinput["autopack_run_id"] if workerinput else secrets.token_hex(4)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """Under xdist (controller): hand the run id down so all workers of one run share it."""
    node.workerinput["autopack_run_id"] = node.config.stash[RUN_ID_KEY]  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> list[str]:
    """One line: every resolved setting with its source, secrets redacted."""
    from pytest_autopack.flags import all_states, unregistered_flags

    settings = config.stash[SETTINGS_KEY]
    lines = ["autopack: " + ", ".join(settings.describe()) + f", run_id={config.stash[RUN_ID_KEY]}"]
    for state in all_states().values():
        if not state.parseable:
            lines.append(f"autopack: warning: {state.name}={state.raw!r} is not a flag value; treated as OFF")
    lines += [f"autopack: warning: {name} is set but is not a registered flag" for name in unregistered_flags()]
    return lines


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """Under xdist (controller): remember whether any worker created databases on the server."""
    if getattr(node, "workeroutput", {}).get("autopack_pg_used"):
        node.config.stash[PG_USED_KEY] = True  # type: ignore[attr-defined]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Controller (or the only process): drop this run's template and any worker database left behind.

    Workers drop their own databases; the template must outlive them all, so only the
    process that started them removes it. Private clusters and containers go with their
    workers, so only a server given by URL needs this.
    """
    config = session.config
    settings = config.stash[SETTINGS_KEY]
    used = config.stash.get(PG_USED_KEY, False)
    if hasattr(config, "workerinput"):
        config.workeroutput["autopack_pg_used"] = used  # type: ignore[attr-defined]
        return
    if not used or settings.pg_url is None:
        return
    from pytest_autopack.backends.pg_template import drop_run_databases
    from pytest_autopack.urls import error_line

    try:
        drop_run_databases(settings.pg_url, config.stash[RUN_ID_KEY])
    except Exception as exc:  # best-effort clean-up: say so in one line, never fail the run for it
        reason = error_line(exc, settings.pg_url)
        config.get_terminal_writer().line(f"autopack: could not drop this run's databases: {reason}", yellow=True)
