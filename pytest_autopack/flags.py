"""The feature-flag registry: every kill switch, release flag and operational flag we know.

Flags are read from the environment at the moment of use, never cached at import,
so that flipping a kill switch takes effect on the very next request. Every flag
defaults OFF. A value that is neither truthy nor falsy is *unparseable*: it is
treated as OFF (fail safe) and reported, never silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

TRUTHY = frozenset({"1", "true", "yes", "on"})
FALSY = frozenset({"0", "false", "no", "off", ""})
FLAG_PREFIX = "AUTOPACK_ENABLE_"

KILL_SWITCH = "kill switch"
RELEASE = "release"
OPERATIONAL = "operational"


@dataclass(frozen=True)
class Flag:
    """A registered flag; ``enabled_from_stage`` is the rollout stage that turns it on (None: never)."""

    name: str
    kind: str
    description: str
    enabled_from_stage: int | None

    def expected_at(self, rollout_stage: int) -> bool:
        """Whether this flag should be ON at ``rollout_stage`` (docs/STAGING_ROLLOUT.md)."""
        return self.enabled_from_stage is not None and rollout_stage >= self.enabled_from_stage


FLAGS: tuple[Flag, ...] = (
    Flag("TELEMETRY_DB_ENABLED", OPERATIONAL, "write token telemetry rows to the database", 1),
    Flag("AUTOPACK_ENABLE_PHASE6_METRICS", KILL_SWITCH, "record Phase 6 metrics per phase", 1),
    Flag(
        "AUTOPACK_ENABLE_CONSOLIDATED_METRICS",
        RELEASE,
        "serve /dashboard/runs/{id}/consolidated-metrics (503 while off)",
        2,
    ),
    Flag("AUTOPACK_ENABLE_FAILURE_HARDENING", KILL_SWITCH, "detect and mitigate known failure patterns", 2),
    Flag("AUTOPACK_ENABLE_INTENTION_CONTEXT", KILL_SWITCH, "inject intention context into builder prompts", 3),
    Flag("ARTIFACT_HISTORY_PACK_ENABLED", KILL_SWITCH, "pack artifact history into context", 3),
    Flag("ARTIFACT_SUBSTITUTE_SOT_DOCS", KILL_SWITCH, "substitute source-of-truth docs with artifacts", 3),
    Flag("ARTIFACT_EXTENDED_CONTEXTS_ENABLED", KILL_SWITCH, "extend artifact substitution to more contexts", 3),
    Flag("AUTOPACK_SKIP_CI", OPERATIONAL, "skip CI runs (dev only; never on in staging or production)", None),
)
ROLLOUT_STAGES = (0, 1, 2, 3)
_BY_NAME = {flag.name: flag for flag in FLAGS}


@dataclass(frozen=True)
class FlagState:
    """A flag's value as read now: ``enabled`` is what code acts on; ``parseable`` says if it was clear."""

    name: str
    raw: str | None
    enabled: bool
    parseable: bool


def get_flag(name: str) -> Flag:
    """The registered flag ``name``; an unknown name is a :class:`KeyError` listing the known ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise KeyError(f"unknown flag {name!r}; registered flags: {known}") from None


def parse_flag_value(name: str, raw: str | None) -> FlagState:
    """Interpret one raw environment value (case-insensitive; surrounding blanks ignored)."""
    if raw is None:
        return FlagState(name, None, False, True)
    text = raw.strip().lower()
    if text in TRUTHY:
        return FlagState(name, raw, True, True)
    return FlagState(name, raw, False, text in FALSY)


def flag_state(name: str, environ: Mapping[str, str] | None = None) -> FlagState:
    """The current state of a registered flag, read from the environment now."""
    get_flag(name)
    env = os.environ if environ is None else environ
    return parse_flag_value(name, env.get(name))


def is_enabled(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """True only when the registered flag ``name`` is set to a truthy value right now."""
    return flag_state(name, environ).enabled


def all_states(environ: Mapping[str, str] | None = None) -> dict[str, FlagState]:
    """Every registered flag's current state, in registry order."""
    return {flag.name: flag_state(flag.name, environ) for flag in FLAGS}


def unregistered_flags(environ: Mapping[str, str] | None = None) -> list[str]:
    """``AUTOPACK_ENABLE_*`` variables that are set but not in the registry (typos, stale flags)."""
    env = os.environ if environ is None else environ
    return sorted(key for key in env if key.startswith(FLAG_PREFIX) and key not in _BY_NAME)


def expected_states(rollout_stage: int) -> dict[str, bool]:
    """What each flag should be at ``rollout_stage``."""
    if rollout_stage not in ROLLOUT_STAGES:
        raise ValueError(f"rollout stage must be one of {ROLLOUT_STAGES}, got {rollout_stage}")
    return {flag.name: flag.expected_at(rollout_stage) for flag in FLAGS}
