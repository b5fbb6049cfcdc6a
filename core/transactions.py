"""Transactions that survive lock conflicts: a deadlock or serialization failure is retried.

PostgreSQL aborts one of two transactions that wait on each other (deadlock, SQLSTATE 40P01)
or that cannot be serialized (40001). The aborted work is safe to run again from the start, so
the outermost transaction of a write is retried a bounded number of times. A nested call runs
in its caller's transaction: only the outermost block can start over (a savepoint cannot)."""

import functools
import random
import time

from django.db import OperationalError, connection, transaction

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
MAX_ATTEMPTS = 5
_BACKOFF_SECONDS = 0.02


def is_lock_conflict(error: BaseException) -> bool:
    """Whether `error` is a deadlock or serialization failure the database resolved by
    aborting this transaction."""
    cause = error.__cause__ or error
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def atomic_with_retry(function=None, *, attempts: int = MAX_ATTEMPTS):
    """Like `transaction.atomic`; when the call opens the outermost transaction, a lock conflict
    rolls it back and runs `function` again (at most `attempts` times, with jittered backoff).
    Inside a caller's transaction it is a plain savepoint and conflicts go up to that caller."""

    def decorate(inner):
        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            if connection.in_atomic_block:
                with transaction.atomic():
                    return inner(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    with transaction.atomic():
                        return inner(*args, **kwargs)
                except OperationalError as error:
                    if attempt == attempts or not is_lock_conflict(error):
                        raise
                time.sleep(_BACKOFF_SECONDS * attempt * (1 + random.random()))
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper

    return decorate(function) if function is not None else decorate
