"""The PostgreSQL provisioning chain as a user meets it: URL, local cluster, skip, required."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PG_URL = os.environ.get("AUTOPACK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_TEST = """
def test_pg(autopack_engine):
    assert autopack_engine.dialect.name == "postgresql"
"""


@pytest.fixture
def no_docker(monkeypatch, tmp_path):
    # No Docker engine runs here anyway; pointing DOCKER_HOST at a closed port makes that explicit.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")


def test_explicit_url_wins(autopack_pytester, no_docker):
    autopack_pytester.makepyfile(PG_TEST)
    result = autopack_pytester.runpytest("--autopack-backend=postgres", f"--autopack-pg-url={PG_URL}")
    result.assert_outcomes(passed=1)


def test_without_url_or_docker_a_private_cluster_is_started(autopack_pytester, no_docker, monkeypatch):
    if sys.platform == "win32" or not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("this machine has no initdb; the chain then skips, covered by the next test")
    monkeypatch.delenv("AUTOPACK_PG_URL", raising=False)
    autopack_pytester.makepyfile(PG_TEST)
    result = autopack_pytester.runpytest("--autopack-backend=postgres", "--autopack-require-postgres")
    result.assert_outcomes(passed=1)


def test_nothing_available_skips_with_reason(autopack_pytester, no_docker, monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOPACK_PG_URL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no initdb/pg_ctl to find
    monkeypatch.setenv("AUTOPACK_PG_BIN_DIRS", str(tmp_path))
    autopack_pytester.makepyfile(PG_TEST)
    result = autopack_pytester.runpytest_subprocess("--autopack-backend=postgres", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no PostgreSQL available:*"])


def test_nothing_available_but_required_fails(autopack_pytester, no_docker, monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOPACK_PG_URL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("AUTOPACK_PG_BIN_DIRS", str(tmp_path))
    autopack_pytester.makepyfile(PG_TEST)
    result = autopack_pytester.runpytest_subprocess("--autopack-backend=postgres", "--autopack-require-postgres")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*PostgreSQL required (--autopack-require-postgres):*"])


def test_unreachable_url_is_one_line_without_password(autopack_pytester, no_docker):
    autopack_pytester.makepyfile(PG_TEST)
    result = autopack_pytester.runpytest(
        "--autopack-backend=postgres", "--autopack-pg-url=postgresql://u:s3cret@127.0.0.1:1/db", "-rs"
    )
    result.assert_outcomes(skipped=1)
    assert "s3cret" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*127.0.0.1:1*"])
