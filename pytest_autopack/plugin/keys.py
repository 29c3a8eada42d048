"""Stash keys shared by the plugin modules."""

from __future__ import annotations

import pytest

from pytest_autopack.settings import AutopackSettings

SETTINGS_KEY = pytest.StashKey[AutopackSettings]()
RUN_ID_KEY = pytest.StashKey[str]()
