"""Stash keys shared by the plugin modules."""

from __future__ import annotations

import pytest

from pytest_autopack.settings import AutopackSettings

SETTINGS_KEY = pytest.StashKey[AutopackSettings]()
RUN_ID_KEY = pytest.StashKey[str]()
# Set when this process created databases on the --autopack-pg-url server (xdist: reported upward).
PG_USED_KEY = pytest.StashKey[bool]()
