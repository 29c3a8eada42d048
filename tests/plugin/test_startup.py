"""The plugin is autoloaded everywhere it is installed: start-up must not import heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "fastapi", "httpx", "psycopg2", "drain3", "jinja2", "alembic", "starlette")


def test_help_imports_nothing_heavy(tmp_path):
    probe = (
        "import sys, pytest\n"
        "code = pytest.main(['--help', '-p', 'no:cacheprovider'])\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY-LOADED', loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "--autopack-stage" in out.stdout  # the plugin really was loaded
    assert "HEAVY-LOADED []" in out.stdout


def test_collect_only_imports_nothing_heavy(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_one():\n    pass\n")
    probe = (
        "import sys, pytest\n"
        "pytest.main(['--co', '-q', '-p', 'no:cacheprovider'])\n"
        f"print('HEAVY-LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "HEAVY-LOADED []" in out.stdout
