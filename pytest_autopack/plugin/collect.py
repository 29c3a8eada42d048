"""Collect the built-in gate suites when ``--autopack-stage`` is given.

The suites ship inside the package (``pytest_autopack/suites``); they are added as
modules with synthetic node ids (``autopack-gate/<suite>::<check>``) rather than by
path, so no conftest of the user's tree is bound to them and the ids stay readable.
Without path arguments only the suites run, plus the user's tests marked
``autopack_gate``; with paths, the suites run beside them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from pytest_autopack.plugin.keys import SETTINGS_KEY

SUITES = ("test_migrations",)
GATE_PREFIX = "autopack-gate/"


class GateSuite(pytest.Module):
    """A built-in suite, imported by module name from the installed package."""

    def _getobj(self) -> ModuleType:
        return importlib.import_module(f"pytest_autopack.suites.{self.path.stem}")


def is_gate_item(item: pytest.Item) -> bool:
    """True for checks of the built-in suites and user tests marked ``autopack_gate``."""
    return item.nodeid.startswith(GATE_PREFIX) or item.get_closest_marker("autopack_gate") is not None


def _is_builtin_check(item: pytest.Item) -> bool:
    module = getattr(getattr(item, "function", None), "__module__", "") or ""
    return module.startswith("pytest_autopack.suites.")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the suites' checks; without path arguments keep only gate tests of the user's."""
    settings = config.stash[SETTINGS_KEY]
    if settings.stage is None:
        return
    # A project that re-exports a built-in suite in its own tests would otherwise run it twice.
    dropped = [item for item in items if _is_builtin_check(item)]
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        dropped += [item for item in items if item.get_closest_marker("autopack_gate") is None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
    suites_dir = Path(importlib.import_module("pytest_autopack.suites").__file__).parent
    for name in SUITES:
        suite = GateSuite.from_parent(session, path=suites_dir / f"{name}.py", nodeid=f"{GATE_PREFIX}{name[5:]}")
        items.extend(session.genitems(suite))
