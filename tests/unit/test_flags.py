"""The flag registry: defaults OFF, parsing, use-time reads, rollout expectations."""

from __future__ import annotations

import pytest

from pytest_autopack import flags

SEED_FLAGS = {
    "AUTOPACK_ENABLE_PHASE6_METRICS", "AUTOPACK_ENABLE_CONSOLIDATED_METRICS", "AUTOPACK_ENABLE_INTENTION_CONTEXT",
    "AUTOPACK_ENABLE_FAILURE_HARDENING", "TELEMETRY_DB_ENABLED", "ARTIFACT_HISTORY_PACK_ENABLED",
    "ARTIFACT_SUBSTITUTE_SOT_DOCS", "ARTIFACT_EXTENDED_CONTEXTS_ENABLED", "AUTOPACK_SKIP_CI",
}  # fmt: skip


def test_every_seed_flag_is_registered_with_kind_and_description():
    assert {f.name for f in flags.FLAGS} == SEED_FLAGS
    for flag in flags.FLAGS:
        assert flag.kind in (flags.KILL_SWITCH, flags.RELEASE, flags.OPERATIONAL)
        assert flag.description


def test_all_flags_default_off():
    assert not any(state.enabled for state in flags.all_states(environ={}).values())
    assert flags.expected_states(0) == {f.name: False for f in flags.FLAGS}


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "Yes", "on", " on "])
def test_truthy(raw):
    assert flags.parse_flag_value("X", raw) == flags.FlagState("X", raw, True, True)


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF", ""])
def test_falsy(raw):
    state = flags.parse_flag_value("X", raw)
    assert (state.enabled, state.parseable) == (False, True)


@pytest.mark.parametrize("raw", ["ture", "2", "enabled", "-1"])
def test_unparseable_is_off_and_reported(raw):
    state = flags.parse_flag_value("X", raw)
    assert (state.enabled, state.parseable) == (False, False)


def test_read_at_use_time(monkeypatch):
    name = "AUTOPACK_ENABLE_CONSOLIDATED_METRICS"
    monkeypatch.delenv(name, raising=False)
    assert flags.is_enabled(name) is False
    monkeypatch.setenv(name, "1")
    assert flags.is_enabled(name) is True
    monkeypatch.setenv(name, "off")
    assert flags.is_enabled(name) is False


def test_unknown_flag_names_the_registered_ones():
    with pytest.raises(KeyError, match="unknown flag 'AUTOPACK_ENABLE_NOPE'.*AUTOPACK_SKIP_CI"):
        flags.is_enabled("AUTOPACK_ENABLE_NOPE")


def test_unregistered_enable_variables_are_found():
    env = {"AUTOPACK_ENABLE_TYPO": "1", "AUTOPACK_ENABLE_PHASE6_METRICS": "1", "OTHER": "1"}
    assert flags.unregistered_flags(env) == ["AUTOPACK_ENABLE_TYPO"]


def test_rollout_stages_turn_flags_on_cumulatively_and_skip_ci_never():
    on = [sum(flags.expected_states(stage).values()) for stage in flags.ROLLOUT_STAGES]
    assert on == sorted(on) and on[0] == 0 and on[-1] == len(flags.FLAGS) - 1
    assert not any(flags.expected_states(stage)["AUTOPACK_SKIP_CI"] for stage in flags.ROLLOUT_STAGES)
    with pytest.raises(ValueError, match="rollout stage must be one of"):
        flags.expected_states(4)


def test_flags_command_reports_problems(capsys, monkeypatch):
    from pytest_autopack.cli import main

    monkeypatch.setenv("AUTOPACK_ENABLE_PHASE6_METRICS", "ture")
    monkeypatch.setenv("AUTOPACK_ENABLE_TYPO", "1")
    assert main(["flags"]) == 2
    out = capsys.readouterr().out
    assert "problem: AUTOPACK_ENABLE_PHASE6_METRICS='ture' is not a flag value" in out
    assert "problem: AUTOPACK_ENABLE_TYPO is set but is not a registered flag" in out


def test_flags_command_clean_environment(capsys, monkeypatch):
    from pytest_autopack.cli import main

    for flag in flags.FLAGS:
        monkeypatch.delenv(flag.name, raising=False)
    assert main(["flags", "--rollout-stage", "0"]) == 0
    assert "problem" not in capsys.readouterr().out
