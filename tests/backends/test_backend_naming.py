import pytest

from pytest_autopack.backends.naming import (
    MAX_IDENTIFIER_BYTES,
    new_run_id,
    quote_identifier,
    run_prefix,
    template_database_name,
    validate_identifier,
    worker_database_name,
)
from pytest_autopack.errors import UsageError


def test_names_carry_run_and_worker():
    assert worker_database_name("ab12cd34", "gw0") == "autopack_ab12cd34_gw0"
    assert worker_database_name("ab12cd34", None) == "autopack_ab12cd34_main"
    assert worker_database_name("AB12CD34", "master") == "autopack_ab12cd34_main"
    assert template_database_name("ab12cd34") == "autopack_ab12cd34_tpl"
    assert run_prefix("ab12cd34") == "autopack_ab12cd34_"


def test_two_runs_never_share_a_name():
    first, second = new_run_id(), new_run_id()
    assert first != second
    assert len(first) == 8 and int(first, 16) >= 0
    assert worker_database_name(first, "gw0") != worker_database_name(second, "gw0")


def test_longest_names_fit_postgres_limit():
    run_id = "f" * 32  # pytest-xdist's testrun_uid is 32 hex digits
    assert len(worker_database_name(run_id, "gw" + "9" * 14).encode()) <= MAX_IDENTIFIER_BYTES


@pytest.mark.parametrize("run_id", ["", "ab-cd", "x" * 33, "ab cd", "é"])
def test_bad_run_id_is_a_usage_error(run_id):
    with pytest.raises(UsageError, match="run id"):
        run_prefix(run_id)


@pytest.mark.parametrize("worker_id", ["gw-0", "x" * 17, "tpl", 'gw0"; DROP'])
def test_bad_worker_id_is_a_usage_error(worker_id):
    with pytest.raises(UsageError, match="worker id"):
        worker_database_name("ab12cd34", worker_id)


@pytest.mark.parametrize("name", ["Upper", "1abc", "a-b", 'x"y', "a b", "", "x" * 64])
def test_unsafe_identifiers_rejected(name):
    with pytest.raises(UsageError):
        validate_identifier(name)


def test_quote_identifier():
    assert quote_identifier("autopack_ab12cd34_gw0") == '"autopack_ab12cd34_gw0"'
    assert quote_identifier("user") == '"user"'  # a reserved word is harmless once quoted
