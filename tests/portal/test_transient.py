"""Transient database conflicts (portal.transient): which errors are transient, and the retry
and its limits.

The errors are psycopg's own classes raised through Django's DatabaseErrorWrapper, as the
PostgreSQL backend raises them; a real deadlock is in test_transient_deadlock.py."""

import logging
from types import SimpleNamespace

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.utils import DatabaseErrorWrapper

from portal import transient
from portal.transient import BUSY_MESSAGE, is_transient, retrying


def through_django(driver_error):
    """The exception Django's PostgreSQL backend raises for `driver_error`."""
    try:
        with DatabaseErrorWrapper(SimpleNamespace(Database=psycopg)):
            raise driver_error
    except Exception as exc:
        return exc


def deadlock():
    return through_django(psycopg.errors.DeadlockDetected("deadlock detected"))


def serialization_failure():
    return through_django(psycopg.errors.SerializationFailure("could not serialize access"))


def test_a_deadlock_and_a_serialization_failure_are_transient():
    for error in (deadlock(), serialization_failure()):
        assert type(error) is OperationalError
        assert is_transient(error)
    assert is_transient(psycopg.errors.DeadlockDetected("unwrapped"))


@pytest.mark.parametrize("error", [
    through_django(psycopg.errors.UniqueViolation("duplicate key")),
    through_django(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
    through_django(psycopg.errors.LockNotAvailable("could not obtain lock")),
    OperationalError("database is locked"),
    RuntimeError("not a database error"),
], ids=["integrity", "timeout", "nowait", "no-cause", "runtime"])
def test_other_errors_are_not_transient(error):
    assert not is_transient(error)


@pytest.fixture
def pauses(monkeypatch):
    """The pauses between tries, recorded instead of slept."""
    slept = []
    monkeypatch.setattr(transient, "sleep", slept.append)
    return slept


def failing(times, error=deadlock):
    """A function that raises `error()` on its first `times` calls, then returns "done"."""
    calls = []

    def fn(*args, **kwargs):
        calls.append((args, kwargs))
        if len(calls) <= times:
            raise error()
        return "done"

    fn.calls = calls
    return fn


def test_retrying_succeeds_on_the_second_try(pauses, caplog):
    fn = failing(1)
    with caplog.at_level(logging.WARNING, logger="portal.transient"):
        assert retrying(fn, 1, actor="a") == "done"
    assert fn.calls == [((1,), {"actor": "a"})] * 2
    assert len(pauses) == 1 and 0.02 <= pauses[0] <= 0.075
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "failing.<locals>.fn" in record.getMessage() and "40P01" in record.getMessage()


def test_retrying_gives_up_after_three_tries_with_a_busy_refusal(pauses, caplog):
    fn = failing(5, error=serialization_failure)
    with pytest.raises(ValidationError) as refused:
        retrying(fn)
    assert len(fn.calls) == 3
    assert refused.value.code == "busy" and refused.value.messages == [BUSY_MESSAGE]
    assert is_transient(refused.value.__cause__)
    assert len(pauses) == 2 and 0.04 <= pauses[1] <= 0.15  # the second pause is longer
    assert len([r for r in caplog.records if r.name == "portal.transient"]) == 3


def test_retrying_does_not_retry_other_errors(pauses):
    fn = failing(1, error=lambda: through_django(psycopg.errors.UniqueViolation("dup")))
    with pytest.raises(IntegrityError):
        retrying(fn)
    assert len(fn.calls) == 1 and pauses == []


@pytest.mark.django_db
def test_retrying_inside_a_transaction_re_raises_at_once(pauses):
    fn = failing(1)
    with transaction.atomic(), pytest.raises(OperationalError) as raised:
        retrying(fn)
    assert is_transient(raised.value)
    assert len(fn.calls) == 1 and pauses == []
