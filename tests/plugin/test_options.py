"""Options resolve CLI > environment > ini > default, and bad values stop pytest with one line."""

from __future__ import annotations

import pytest

HEADER_PROBE = """
def test_settings(autopack_settings):
    print("RESOLVED", autopack_settings.stage, autopack_settings.backend, autopack_settings.sources["backend"])
"""


@pytest.mark.parametrize(
    ("ini", "env", "cli", "expected"),
    [
        (None, None, None, "sqlite default"),
        ("both", None, None, "both ini"),
        ("both", "postgres", None, "postgres env AUTOPACK_TEST_BACKENDS"),
        ("both", "postgres", "sqlite", "sqlite cli"),
    ],
    ids=["default", "ini", "env-over-ini", "cli-over-env"],
)
def test_backend_precedence(autopack_pytester, monkeypatch, ini, env, cli, expected):
    ini_text = "[pytest]\naddopts = -p no:cacheprovider\n" + (f"autopack_backend = {ini}\n" if ini else "")
    autopack_pytester.makeini(ini_text)
    if env:
        monkeypatch.setenv("AUTOPACK_TEST_BACKENDS", env)
    else:
        monkeypatch.delenv("AUTOPACK_TEST_BACKENDS", raising=False)
    autopack_pytester.makepyfile(HEADER_PROBE)
    args = ["-s"] + ([f"--autopack-backend={cli}"] if cli else [])
    result = autopack_pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*RESOLVED None {expected}"])


def test_header_shows_values_and_sources_without_secrets(autopack_pytester, monkeypatch):
    monkeypatch.setenv("AUTOPACK_API_KEY", "sk-supersecretvalue123456")
    autopack_pytester.makepyfile("def test_nothing():\n    pass\n")
    result = autopack_pytester.runpytest("--autopack-db-url=postgresql://gate:hunter2@db.example:5432/autopack")
    result.stdout.fnmatch_lines(
        ["autopack: stage=off (fixtures only)*db_url=postgresql://gate:***@db.example:5432/autopack (cli)*"]
    )
    assert "hunter2" not in result.stdout.str()
    assert "supersecret" not in result.stdout.str()
    assert "api_key=*** (env AUTOPACK_API_KEY)" in result.stdout.str()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--autopack-stage=prod"], "--autopack-stage: invalid value 'prod' (choose from dev, staging, production)"),
        (["--autopack-backend=mysql"], "--autopack-backend: invalid value 'mysql'*"),
        (["--autopack-db-url=not a url"], "--autopack-db-url: not a database URL*"),
        (["--autopack-db-url=postgresql://u:pw@host:99999/db"], "--autopack-db-url: malformed PostgreSQL URL*"),
        (["--autopack-pg-url=sqlite:///x.db"], "--autopack-pg-url: must be a postgresql:// URL*"),
        (["--autopack-rollout-stage=7"], "--autopack-rollout-stage: invalid value '7'*"),
        (["--autopack-silence=migrations.applied"], "--autopack-silence: expected CHECK_ID:reason*"),
    ],
    ids=["stage", "backend", "db-url", "port", "pg-url-dialect", "rollout", "silence-reason"],
)
def test_bad_option_is_one_line_usage_error(autopack_pytester, args, message):
    autopack_pytester.makepyfile("def test_nothing():\n    pass\n")
    result = autopack_pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    assert "pw@" not in result.stderr.str()


def test_bad_environment_value_names_its_variable(autopack_pytester, monkeypatch):
    monkeypatch.setenv("AUTOPACK_REQUIRE_POSTGRES", "sometimes")
    autopack_pytester.makepyfile("def test_nothing():\n    pass\n")
    result = autopack_pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: env AUTOPACK_REQUIRE_POSTGRES: expected 1/0, true/false, yes/no or on/off*"])


def test_bad_ini_value_names_its_key(autopack_pytester):
    autopack_pytester.makeini("[pytest]\nautopack_stage = qa\n")
    autopack_pytester.makepyfile("def test_nothing():\n    pass\n")
    result = autopack_pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: ini autopack_stage: invalid value 'qa'*"])


def test_plugin_can_be_disabled(autopack_pytester):
    result = autopack_pytester.runpytest("-p", "no:autopack", "--fixtures")
    assert "autopack_db" not in result.stdout.str()


def test_fixtures_are_documented(autopack_pytester):
    result = autopack_pytester.runpytest("--fixtures")
    for name in ("autopack_settings", "autopack_engine", "autopack_db", "autopack_dialect", "autopack_dataset",
                 "kill_switches", "autopack_scratch_db"):  # fmt: skip
        result.stdout.fnmatch_lines([f"{name}*"])
