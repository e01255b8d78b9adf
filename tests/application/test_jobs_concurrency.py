"""Jobs against a database that really commits: nothing holds a transaction open while a
message is sent, and two runners at once deliver each message once and run each handler once
(on PostgreSQL with SKIP LOCKED and row locks; on SQLite through its single writer)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from shop.application import Shop
from shop.application.events.dispatch import dispatch_events
from shop.application.messaging.delivery import deliver_messages
from shop.data.models import EventDelivery, LedgerAccount, LedgerEntry, OutboxMessage
from tests.committed import cleaned, open_transactions
from tests.events_support import Counting, registered


@pytest.fixture
def counting():
    return Counting()


@pytest.fixture
def committed(engine, settings, clock, counting):
    with cleaned(engine):
        yield Shop(engine, settings, clock=clock, handlers=counting.registry)


class Probe:
    """A sender that, at every send, asks the database whether anyone holds a transaction open
    (PostgreSQL) or the write lock (SQLite); sends take ``pause`` seconds."""

    def __init__(self, engine, pause=0.0):
        self.engine, self.pause = engine, pause
        self.sent, self.open_transactions = [], []
        self._lock = threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def send(self, message):
        self.open_transactions.append(self._open_transactions())
        time.sleep(self.pause)
        with self._lock:
            self.sent.append(message.id)

    def _open_transactions(self):
        return open_transactions(self.engine)


def test_no_transaction_is_open_while_a_message_is_sent(committed, engine):
    with committed.transaction() as tx:
        for n in range(3):
            tx._outbox.queue("email", f"m{n}@example.com", "Hi", "body")
    probe = Probe(engine)
    assert deliver_messages(committed, senders=lambda: {"email": probe}).sent == 3
    assert probe.open_transactions == [0, 0, 0]


def test_the_probe_sees_an_open_transaction(committed, engine):
    """The check above can fail: with a writing transaction open, the probe reports it."""
    probe = Probe(engine)
    with committed.transaction() as tx:
        tx._outbox.queue("email", "held@example.com", "Hi", "body")
        tx._session.flush()
        assert probe._open_transactions() == 1


def test_two_runners_at_once_deliver_each_message_and_run_each_handler_once(
        committed, engine, counting):
    customers = [registered(committed) for _ in range(6)]
    with committed.transaction() as tx:
        for n in range(30):
            tx._outbox.queue("email", f"m{n}@example.com", "Hi", "body")
    probe = Probe(engine, pause=0.01)
    start = threading.Barrier(2)
    errors = []

    def runner():
        try:
            start.wait(10)
            while True:
                sent = deliver_messages(committed, limit=5, senders=lambda: {"email": probe})
                handled = dispatch_events(committed, limit=2)
                if not (sent.sent or handled.handled or handled.skipped):
                    return
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sorted(probe.sent) == sorted(set(probe.sent)) and len(probe.sent) == 30
    assert counting.runs == {customer: 1 for customer in customers}
    with committed.transaction(actor=committed.system_actor("tests")) as tx:
        def count(model, *where):
            return tx._session.scalar(select(func.count()).select_from(model).where(*where))
        assert count(OutboxMessage, OutboxMessage.state != "done") == 0
        assert count(EventDelivery, EventDelivery.state != "done") == 0
        assert tx._session.scalar(
            select(func.count()).select_from(LedgerEntry)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerAccount.customer_id.in_(customers))) == 6
