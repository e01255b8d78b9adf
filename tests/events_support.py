"""Helpers for the event tests: reading the event tables back, and handler registries that
count or fail, built from the shop's real ones."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from typing import Any

from sqlalchemy import select

from shop.application import Shop, UnitOfWork
from shop.application.accounts.customers import CustomerAccounts
from shop.application.events.catalog import CustomerRegistered
from shop.application.events.handlers import HandlerRegistry, handles
from shop.application.jobs.lease import RETRIES
from shop.application.rewards.handlers import grant_registration_gift
from shop.data.models import DomainEvent, EventDelivery

_serial = itertools.count(1)


def deliveries(shop: Shop) -> list[EventDelivery]:
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        rows = list(tx._session.scalars(select(EventDelivery).order_by(EventDelivery.id)))
        tx._session.expunge_all()
        return rows


def events(shop: Shop) -> list[DomainEvent]:
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        rows = list(tx._session.scalars(select(DomainEvent).order_by(DomainEvent.id)))
        tx._session.expunge_all()
        return rows


class Counting:
    """A registry of the real registration-gift handler plus one that counts its runs per
    event (a run whose transaction rolled back counts too) and fails while ``failing``."""

    def __init__(self) -> None:
        self.runs: Counter[int] = Counter()
        self.failing = False
        self._lock = threading.Lock()

        @handles(CustomerRegistered, "tests.count")
        def count(uow: UnitOfWork, event: CustomerRegistered) -> None:
            with self._lock:
                self.runs[event.customer_id] += 1
            uow._audit.record("tests.counted", "customer", event.customer_id)
            if self.failing:
                raise RuntimeError("the handler broke")

        self.registry = HandlerRegistry([grant_registration_gift, count])


def registered(shop: Shop, **fields: Any) -> int:
    """A new account, registered (so ``customer.registered`` is recorded); its id."""
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        fields.setdefault("email", f"registered{next(_serial)}@example.com")
        accounts = CustomerAccounts(tx)
        customer = accounts.new_customer(**fields)
        accounts.registered(customer)
        return customer.id



def until_dead(shop: Shop, clock: Any, run: Any) -> None:
    """Call ``run()`` (a delivery job that fails) once per try, moving past each backoff."""
    for _ in range(RETRIES.max_attempts):
        run()
        clock.advance(hours=1)
