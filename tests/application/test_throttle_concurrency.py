"""Parallel tries of one key against a database that really commits: the throttle counts them
one after the other, so no burst gets more tries than the limit allows (PostgreSQL: an advisory
lock per key and failures committed apart; SQLite: its single writer)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from shop.application import Invalid, Shop, ShopError, Throttled
from shop.application.accounts.customers import CustomerAccounts
from shop.application.accounts.login import PER_ACCOUNT
from shop.data.models import OutboxMessage

PARALLEL = 16


@pytest.fixture
def committed(own_database: str, settings: dict[str, Any]) -> Any:
    shop = Shop.from_settings({**settings, "sqlalchemy.url": own_database,
                               "sqlalchemy.pool_size": str(2 * PARALLEL + 2)})
    shop.upgrade_database()
    yield shop
    shop.dispose()


def in_parallel(call: Any) -> Counter[str]:
    """Run ``call(n)`` in ``PARALLEL`` threads released at once; how each ended."""
    barrier, outcomes = threading.Barrier(PARALLEL), Counter[str]()
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        try:
            call(n)
            outcome = "done"
        except ShopError as exc:
            outcome = type(exc).__name__
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


class CountingVerify:
    """Counts the password checks the shop makes (each is one argon2 verification)."""

    def __init__(self, shop: Shop) -> None:
        self.calls, self._verify, self._lock = 0, shop.passwords.verify, threading.Lock()
        shop.passwords.verify = self  # type: ignore[method-assign]

    def __call__(self, stored: str | None, password: str) -> bool:
        with self._lock:
            self.calls += 1
        return self._verify(stored, password)


@pytest.mark.parametrize("caller", ["commits", "rolls back"])
def test_parallel_wrong_passwords_reach_the_check_at_most_the_limit(committed, caller):
    with committed.transaction(actor=committed.system_actor("tests")) as tx:
        accounts = CustomerAccounts(tx)
        customer = accounts.new_customer(email="wang@example.com")
        customer.password_hash = committed.passwords.hash("correct horse battery")
    verifications = CountingVerify(committed)

    def guess(n: int) -> None:
        # Each from its own address, so only the identifier and account rules can stop them.
        with committed.transaction(client_ip=f"198.51.100.{n}") as tx:
            try:
                tx.accounts.log_in({"identifier": "wang@example.com",
                                    "password": f"wrong guess number {n}"})
            except Invalid:
                if caller == "rolls back":  # a script lets the error end its transaction
                    raise
                # A web form shows the error and commits.

    outcomes = in_parallel(guess)
    assert verifications.calls == PER_ACCOUNT.count
    assert outcomes["Throttled"] == PARALLEL - PER_ACCOUNT.count
    with pytest.raises(Throttled), committed.transaction() as tx:
        tx.accounts.log_in({"identifier": "wang@example.com", "password": "correct horse battery"})


def test_parallel_code_requests_send_one_sms(committed):
    def ask(n: int) -> None:
        with committed.transaction(client_ip=f"198.51.100.{n}") as tx:
            tx.accounts.request_registration_code({"channel": "mobile", "mobile": "13800138000"})

    outcomes = in_parallel(ask)
    assert outcomes == {"done": 1, "Throttled": PARALLEL - 1}
    with committed.transaction(writes=False) as tx:
        assert tx._session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "sms")) == 1
