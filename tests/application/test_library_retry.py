"""``Shop.retrying``: a deadlock or serialization failure runs the work again; anything else
propagates at once, and nothing of an aborted attempt stays."""

from __future__ import annotations

import psycopg.errors
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from shop.data.models import AuditEntry


def _transient() -> OperationalError:
    return OperationalError("UPDATE stock_level …", {}, psycopg.errors.DeadlockDetected(
        "deadlock detected"))


def _audited(shop) -> int:
    with shop.transaction() as tx:
        return tx._session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_deadlock_runs_the_work_again_and_keeps_only_the_last_attempt(shop):
    calls = []

    def work(tx):
        tx._audit.record("test.attempt", "test", len(calls))
        calls.append(tx)
        if len(calls) < 3:
            raise _transient()
        return "done"

    assert shop.retrying(work, shop.system_actor("tests")) == "done"
    assert len(calls) == 3 and _audited(shop) == 1


def test_it_gives_up_after_the_attempts(shop):
    calls = []

    def work(tx):
        tx._audit.record("test.attempt", "test", len(calls))  # the database had a part in it
        calls.append(tx)
        raise _transient()

    with pytest.raises(OperationalError):
        shop.retrying(work, shop.system_actor("tests"), attempts=2)
    assert len(calls) == 2


def test_other_errors_are_not_retried(shop):
    calls = []

    def work(tx):
        tx._audit.record("test.attempt", "test", 1)
        calls.append(tx)
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))

    with pytest.raises(IntegrityError):
        shop.retrying(work, shop.system_actor("tests"))
    assert len(calls) == 1 and _audited(shop) == 0
