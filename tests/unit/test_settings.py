"""Settings resolution without pytest: precedence, conversion, redaction."""

from __future__ import annotations

import pytest

from pytest_autopack.errors import UsageError
from pytest_autopack.settings import parse_silence, resolve_settings


def resolve(cli=None, ini=None, env=None, silence=()):
    cli, ini = cli or {}, ini or {}
    return resolve_settings(lambda stem: cli.get(stem), lambda key: ini.get(key), env or {}, silence)


def test_defaults():
    s = resolve()
    assert (s.stage, s.rollout_stage, s.backend, s.db_url, s.require_postgres) == (None, 0, "sqlite", None, False)
    assert s.dialects == ("sqlite",)


def test_cli_beats_env_beats_ini():
    s = resolve(cli={"stage": "dev"}, env={"AUTOPACK_STAGE": "staging"}, ini={"autopack_stage": "production"})
    assert (s.stage, s.sources["stage"]) == ("dev", "cli")
    s = resolve(env={"AUTOPACK_STAGE": "staging"}, ini={"autopack_stage": "production"})
    assert (s.stage, s.sources["stage"]) == ("staging", "env AUTOPACK_STAGE")
    s = resolve(ini={"autopack_stage": "production"})
    assert (s.stage, s.sources["stage"]) == ("production", "ini")


def test_repr_and_header_redact_secrets():
    s = resolve(cli={"db_url": "postgresql://u:topsecret@h/db"}, env={"AUTOPACK_API_KEY": "key-123456789"})
    text = repr(s) + " ".join(s.describe())
    assert "topsecret" not in text and "key-123456789" not in text
    assert "postgresql://u:***@h/db" in text


def test_both_backends():
    assert resolve(env={"AUTOPACK_TEST_BACKENDS": "both"}).dialects == ("sqlite", "postgresql")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cli": {"api_url": "ftp://x"}}, "--autopack-api-url: expected an http"),
        ({"env": {"DATABASE_URL": "mysql://x/y"}}, "env DATABASE_URL: unsupported database scheme 'mysql'"),
        ({"ini": {"autopack_rollout_stage": "-1"}}, "ini autopack_rollout_stage: invalid value '-1'"),
    ],
)
def test_bad_values_name_their_source(kwargs, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        resolve(**kwargs)


def test_silence_needs_a_reason():
    assert parse_silence("migrations.applied: ticket OPS-12") == ("migrations.applied", "ticket OPS-12")
    for bad in ("migrations.applied", "migrations.applied:", ":reason"):
        with pytest.raises(UsageError):
            parse_silence(bad)
