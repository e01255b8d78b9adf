"""Domain events: recorded with the change, handled after commit from the outbox, at most once
per (event, handler), retried with backoff, dead after the last try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
from sqlalchemy import select

from shop.application import Shop
from shop.application.events.catalog import EVENT_TYPES, CustomerRegistered
from shop.application.events.dispatch import DispatchReport, dispatch_events
from shop.application.events.handlers import EventHandler, HandlerRegistry, handles
from shop.application.events.payloads import Event
from shop.application.events.registry import default_registry
from shop.application.jobs.lease import RETRIES, Lease
from shop.application.rewards.handlers import grant_registration_gift
from shop.data.models import AuditEntry, LedgerAccount, LedgerEntry
from tests.accounts_support import register_mobile
from tests.events_support import Counting, deliveries, events, registered

LEASE = timedelta(seconds=300)


@pytest.fixture
def counting():
    return Counting()


@pytest.fixture
def counted_shop(connection, settings, clock, counting):
    """The test's shop with the registration gift and a counting handler on the same event."""
    return Shop(connection, settings, clock=clock, handlers=counting.registry)


def balance(shop, customer_id):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        return tx.rewards.balance(customer_id)


def test_registration_records_the_event_and_the_gift_follows_after_commit(shop):
    signed_in = register_mobile(shop)
    [event] = events(shop)
    assert (event.name, event.payload, event.actor) == (
        "customer.registered", {"customer_id": signed_in.customer_id}, "anonymous")
    [delivery] = deliveries(shop)
    assert (delivery.handler, delivery.state, delivery.attempts) == (
        "rewards.registration_gift", "pending", 0)
    assert balance(shop, signed_in.customer_id) == 0  # nothing granted inside the request

    assert dispatch_events(shop) == DispatchReport(handled=1, failed=0, skipped=0)
    assert balance(shop, signed_in.customer_id) == 100
    [delivery] = deliveries(shop)
    assert (delivery.state, delivery.handled_at, delivery.attempts) == (
        "done", shop.clock.now(), 1)
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        grant = tx._audit.entries(action_prefix="rewards.points.grant")[0]
    assert grant.actor_name == "system:events"
    assert dispatch_events(shop) == DispatchReport(0, 0, 0)


def test_an_event_is_written_with_the_change_or_not_at_all(shop):
    with pytest.raises(RuntimeError), shop.transaction() as tx:
        tx._events.record("customer.registered", {"customer_id": 1})
        raise RuntimeError("the change failed")
    assert events(shop) == [] and deliveries(shop) == []


@pytest.mark.parametrize(("name", "payload", "complaint"), [
    ("customer.deleted", {"customer_id": 1}, "unknown event"),
    ("customer.registered", {}, "missing fields ['customer_id']"),
    ("customer.registered", {"customer_id": 1, "email": "x"}, "unknown fields ['email']"),
    ("customer.registered", {"customer_id": "1"}, "customer_id must be int"),
    ("customer.registered", {"customer_id": True}, "customer_id must be int"),
    ("customer.registered", [("customer_id", 1)], "must be a mapping"),
])
def test_a_payload_that_does_not_fit_its_event_is_refused_before_anything_is_written(
        shop, name, payload, complaint):
    with shop.transaction() as tx, pytest.raises(ValueError, match=complaint.replace("[", r"\[")):
        tx._events.record(name, payload)
    assert events(shop) == []


@dataclass(frozen=True)
class Paid(Event):
    name: ClassVar[str] = "tests.paid"
    amount: Decimal
    coupon: str | None
    first: bool


def test_payloads_are_typed_and_money_travels_as_text():
    paid = Paid.from_payload({"amount": Decimal("12.30"), "coupon": None, "first": True})
    assert paid.to_payload() == {"amount": "12.30", "coupon": None, "first": True}
    assert Paid.from_payload(paid.to_payload()) == paid
    for amount in (12.3, "twelve", "NaN", True):
        with pytest.raises(ValueError, match="amount must be Decimal"):
            Paid.from_payload({"amount": amount, "coupon": None, "first": True})
    with pytest.raises(ValueError, match="first must be bool"):
        Paid.from_payload({"amount": "1", "coupon": None, "first": 1})


def test_the_registry_refuses_duplicate_names_and_events_outside_the_catalog():
    with pytest.raises(ValueError, match="two event handlers"):
        HandlerRegistry([grant_registration_gift, grant_registration_gift])
    stray = EventHandler("tests.stray", Paid, lambda uow, event: None)
    with pytest.raises(ValueError, match=r"not in shop\.application\.events\.catalog"):
        HandlerRegistry([stray])
    assert EVENT_TYPES["customer.registered"] is CustomerRegistered
    assert "rewards.registration_gift" in default_registry().names()


def test_every_handler_gets_its_own_delivery(counted_shop, counting):
    customer_id = registered(counted_shop)
    assert {d.handler for d in deliveries(counted_shop)} == {
        "rewards.registration_gift", "tests.count"}
    assert dispatch_events(counted_shop).handled == 2
    assert counting.runs == {customer_id: 1}
    assert balance(counted_shop, customer_id) == 100


def test_a_failing_handler_leaves_nothing_and_is_retried_with_backoff(
        counted_shop, counting, clock):
    counting.failing = True
    customer_id = registered(counted_shop)
    report = dispatch_events(counted_shop)
    assert (report.handled, report.failed) == (1, 1)  # the gift went; the counter failed
    failed = next(d for d in deliveries(counted_shop) if d.handler == "tests.count")
    assert (failed.state, failed.attempts) == ("pending", 1)
    assert failed.last_error == "RuntimeError: the handler broke"
    assert failed.next_attempt_at == clock.now() + timedelta(minutes=1)
    with counted_shop.transaction(actor=counted_shop.system_actor("t")) as tx:
        assert tx._session.scalars(select(AuditEntry).where(  # its audit entry rolled back
            AuditEntry.action == "tests.counted")).all() == []

    assert dispatch_events(counted_shop).failed == 0  # not due yet
    counting.failing = False
    clock.advance(minutes=1)
    assert dispatch_events(counted_shop).handled == 1
    assert counting.runs == {customer_id: 2}  # one run rolled back, one committed
    assert {d.state for d in deliveries(counted_shop)} == {"done"}
    assert balance(counted_shop, customer_id) == 100


def test_a_handler_that_always_fails_goes_dead(counted_shop, counting, clock):
    counting.failing = True
    registered(counted_shop)
    for _ in range(RETRIES.max_attempts):
        dispatch_events(counted_shop)
        clock.advance(hours=1)
    dead = next(d for d in deliveries(counted_shop) if d.handler == "tests.count")
    assert (dead.state, dead.attempts) == ("dead", RETRIES.max_attempts)
    assert dispatch_events(counted_shop) == DispatchReport(0, 0, 0)


def test_a_delivery_for_a_handler_this_version_lacks_fails_visibly(shop, connection, settings,
                                                                    clock):
    registered(shop)
    without = Shop(connection, settings, clock=clock, handlers=HandlerRegistry([]))
    assert dispatch_events(without).failed == 1
    [delivery] = deliveries(shop)
    assert "no handler 'rewards.registration_gift'" in delivery.last_error


def test_a_crashed_workers_deliveries_run_once_after_its_lease(counted_shop, counting, clock):
    customer_id = registered(counted_shop)
    with counted_shop.transaction(actor=counted_shop.system_actor("crashing")) as tx:
        assert len(tx._events.claim(Lease.starting(clock, LEASE), 10)) == 2
    assert dispatch_events(counted_shop).handled == 0  # leased to the dead worker
    clock.advance(LEASE)
    assert dispatch_events(counted_shop).handled == 2
    assert counting.runs == {customer_id: 1}


def test_a_worker_whose_lease_ran_out_cannot_finish_the_delivery(shop, clock):
    """Its lease lapsed and another worker claimed the delivery: the first one's handler
    transaction finds the delivery no longer its own and does nothing."""
    customer_id = registered(shop)
    system = shop.system_actor("tests")
    first = Lease.starting(clock, LEASE)
    with shop.transaction(actor=system) as tx:
        [delivery] = tx._events.claim(first, 10)
    clock.advance(LEASE)
    second = Lease.starting(clock, LEASE)
    with shop.transaction(actor=system) as tx:
        assert [d.id for d in tx._events.claim(second, 10)] == [delivery.id]
    with shop.transaction(actor=system) as tx:
        assert not tx._events.deliveries.complete(delivery.id, first)
        assert not tx._events.deliveries.fail(delivery.id, first, "late")
    with shop.transaction(actor=system) as tx:
        assert tx._events.deliveries.complete(delivery.id, second)
        grant_registration_gift.run(tx, CustomerRegistered(customer_id))
    with shop.transaction(actor=system) as tx:
        assert not tx._events.deliveries.complete(delivery.id, second)  # done: never again
    assert balance(shop, customer_id) == 100


def test_the_gift_handler_run_twice_grants_once(shop):
    customer_id = registered(shop)
    for _ in range(2):
        with shop.transaction(actor=shop.system_actor("events")) as tx:
            grant_registration_gift.run(tx, CustomerRegistered(customer_id))
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        rows = tx._session.execute(
            select(LedgerEntry.amount, LedgerEntry.kind, LedgerEntry.direction)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerAccount.customer_id == customer_id)).all()
    assert [tuple(row) for row in rows] == [(100, "registration_gift", "credit")]


def test_handlers_are_declared_with_their_event_type():
    @handles(CustomerRegistered, "tests.typed")
    def typed(uow, event: CustomerRegistered) -> None:
        raise AssertionError("not run here")

    assert (typed.name, typed.event) == ("tests.typed", CustomerRegistered)
