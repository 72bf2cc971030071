"""Transient database conflicts: a deadlock or a serialization failure that PostgreSQL resolves
by cancelling one transaction, which succeeds when simply run again.

The trigger-kept tallies (ledger, pairing and people tallies) make rare concurrent writes in one
township deadlock: a batch return of many activities while a secretary saves one, say. Every
write service is one `transaction.atomic` function that re-reads and row-locks what it changes,
so running the whole call again is safe, as long as it is not inside an outer transaction
(which still holds its part of the conflict). `run_retrying` is that second run: `retrying` for
the views, and the background jobs whose handlers are safe to run again (portal.jobs); the
middleware (portal.middleware.TransientErrorMiddleware) answers 503 for a conflict that escaped
one, instead of a server error.

On SQLite nothing is retried: its writers are serialised, so it neither deadlocks nor fails a
serialization, and its "database is locked" (a writer waiting longer than the busy timeout)
carries no SQLSTATE; it is deliberately not transient, so it is raised as it is.
"""

import inspect
import logging
import random
from time import sleep

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

# SQLSTATEs of psycopg.errors.DeadlockDetected and psycopg.errors.SerializationFailure.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
BUSY_MESSAGE = "系统繁忙，您的操作与他人的操作同时发生冲突，未能保存，请稍后重试。"


def _sqlstate(exc: BaseException) -> str | None:
    """Django raises its own DatabaseError subclass `from` the driver's error, whose sqlstate
    names the cause."""
    if isinstance(exc, DatabaseError):
        exc = exc.__cause__
    return getattr(exc, "sqlstate", None)


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` is a deadlock or a serialization failure."""
    return _sqlstate(exc) in TRANSIENT_SQLSTATES


def _name_of(fn) -> str:
    """For the log: a view's method under the view's own class, not the mixin defining it."""
    if inspect.ismethod(fn):
        owner = fn.__self__
        owner_name = owner.__name__ if isinstance(owner, type) else type(owner).__name__
        return f"{owner_name}.{fn.__name__}"
    return getattr(fn, "__qualname__", repr(fn))


def run_retrying(fn, args=(), kwargs=None, *, busy_message=BUSY_MESSAGE):
    """`fn(*args, **kwargs)`, run again (up to ATTEMPTS in all, after a short growing jittered
    pause) when a transient conflict cancelled it; then a ValidationError (code "busy") saying
    `busy_message`. The one retry loop: the views' `retrying` and the background jobs
    (portal.jobs) both run through it.

    Inside an atomic block the conflict is re-raised at once: the outer transaction keeps the
    locks that took part in the conflict, so only its owner can start it again. `fn` is one
    transaction, or safe to run again after one of its transactions was cancelled: a conflict
    in its after-commit hooks would run a committed call twice."""
    kwargs = kwargs or {}
    name = _name_of(fn)
    attempt = 1
    while True:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if not is_transient(exc) or transaction.get_connection().in_atomic_block:
                raise
            last = attempt == ATTEMPTS
            logger.warning("%s: transient database conflict (SQLSTATE %s) on try %d of %d; %s",
                           name, _sqlstate(exc), attempt, ATTEMPTS,
                           "giving up" if last else "retrying")
            if last:
                raise ValidationError(busy_message, code="busy") from exc
        # Jittered, so the two cancelled sides do not meet again at once.
        sleep(random.uniform(0.02, 0.075) * attempt)
        attempt += 1


def retrying(fn, /, *args, **kwargs):
    """`fn(*args, **kwargs)` for a view: run again on a transient conflict (run_retrying), then
    a ValidationError (code "busy") that the views' error paths show like any refusal, the
    form keeping its data."""
    return run_retrying(fn, args, kwargs)
