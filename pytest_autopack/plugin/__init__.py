"""The pytest11 entry point: registers the plugin's parts, each with one role.

Only pytest and the standard library are imported here and in the modules below
at start-up; SQLAlchemy, drivers, httpx and FastAPI load inside the fixtures and
hooks that need them (the plugin is autoloaded into every pytest run).
"""

pytest_plugins = [
    "pytest_autopack.plugin.hooks",
    "pytest_autopack.fixtures.database",
    "pytest_autopack.fixtures.flags",
    "pytest_autopack.fixtures.patterns",
    "pytest_autopack.plugin.collect",
    "pytest_autopack.plugin.verdict",
]
