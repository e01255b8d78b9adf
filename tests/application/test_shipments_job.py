"""The track-shipments job: the simulator's timeline stored once, delivered once, carrier
errors backed off, a crashed poller's shipments taken up after its lease, and two pollers at
once (on a database that really commits) asking about each shipment once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from shop.application import Shop
from shop.application.jobs.lease import Lease
from shop.application.shipments.carriers import CarrierError
from shop.application.shipments.polling import track_shipments
from shop.data.models import DomainEvent, Shipment, TrackingEvent
from tests.committed import cleaned, open_transactions
from tests.shipments_support import SIMULATED, shipped

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
IDLE = {"polled": 0, "events": 0, "delivered": 0, "failed": 0}


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, **SIMULATED}


@pytest.fixture(autouse=True)
def _now(clock):
    clock.set(NOW)


def count(shop, model, *where):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        return tx._session.scalar(select(func.count()).select_from(model).where(*where))


def row(shop, shipment_id):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        found = tx._session.get(Shipment, shipment_id)
        tx._session.expunge(found)
        return found


def told(shop, shipment):
    """How many events the carrier tells about ``shipment`` now."""
    try:
        return len(shop.tracking.tracker(shop).track(shipment.carrier,
                                                     shipment.tracking_number).events)
    except CarrierError:
        return 0


class Failing:
    def __init__(self, error):
        self.error, self.calls = error, 0

    def track(self, carrier, tracking_number, *, phone=None):
        self.calls += 1
        raise self.error


def test_the_job_stores_the_timeline_and_delivers_once(shop, clock):
    shipment = shipped(shop)
    clock.advance(days=4)
    report = shop.run_job("track-shipments")
    assert report["polled"] == 1 and report["delivered"] == 1
    assert report["events"] == told(shop, shipment) >= 5
    assert count(shop, TrackingEvent, TrackingEvent.source == "carrier") == report["events"]
    assert row(shop, shipment.id).state == "delivered"
    clock.advance(hours=1)
    assert shop.run_job("track-shipments") == IDLE
    [delivered] = [e for e in _events(shop) if e.name == "shipment.delivered"]
    assert delivered.payload == {"order_id": shipment.order_id, "shipment_id": shipment.id}
    with shop.transaction(actor=shop.system_actor("tests"), locale="en") as tx:
        [view] = tx.shipments.for_orders([shipment.order_id])[shipment.order_id]
    assert view.state == "delivered" and view.events[0].status == "delivered"
    assert view.events[-1].status == "accepted"


def test_each_poll_stores_only_what_is_new(shop, clock):
    shipment = shipped(shop)
    clock.advance(hours=12)  # picked up and on its way; never delivered before 24 hours
    first = track_shipments(shop)
    assert (first.polled, first.delivered) == (1, 0) and first.events == told(shop, shipment)
    clock.advance(minutes=10)
    assert track_shipments(shop).polled == 0  # not due again for 30 minutes
    polls = 1
    while row(shop, shipment.id).state == "in_transit":
        clock.advance(minutes=30)
        assert track_shipments(shop).polled == 1
        polls += 1
        assert count(shop, TrackingEvent) == told(shop, shipment)
    assert polls > 2
    assert [e.name for e in _events(shop)].count("shipment.delivered") == 1


def test_a_shipment_the_carrier_has_no_record_of_yet_is_asked_again_later(shop, clock):
    shipment = shipped(shop)  # the simulator answers 500 (no result) until the pickup
    report = track_shipments(shop)
    assert (report.polled, report.failed) == (0, 1)
    failed = row(shop, shipment.id)
    assert failed.poll_failures == 1 and "500" in failed.last_error
    assert failed.next_poll_at == NOW + timedelta(hours=1)


def test_carrier_errors_back_off_and_never_stop_the_job(shop, clock):
    shipment = shipped(shop)
    refusing = Failing(CarrierError("服务器繁忙", "502"))
    assert track_shipments(shop, tracker=refusing).failed == 1
    clock.advance(minutes=59)
    assert track_shipments(shop, tracker=refusing).failed == 0
    assert refusing.calls == 1  # not due before its backoff
    clock.advance(minutes=1)
    assert track_shipments(shop, tracker=refusing).failed == 1
    assert row(shop, shipment.id).next_poll_at == clock.now() + timedelta(hours=2)
    broken = Failing(RuntimeError("an adapter bug"))
    clock.advance(hours=2)
    assert track_shipments(shop, tracker=broken).failed == 1
    third = row(shop, shipment.id)
    assert third.poll_failures == 3 and "RuntimeError" in third.last_error
    clock.set(NOW + timedelta(days=4))
    assert track_shipments(shop).delivered == 1
    recovered = row(shop, shipment.id)
    assert (recovered.poll_failures, recovered.last_error) == (0, None)


def test_a_crashed_pollers_shipments_are_taken_up_after_its_lease(shop, clock):
    shipment = shipped(shop)
    clock.advance(days=4)
    crashed = Lease.starting(clock, timedelta(seconds=300))
    with shop.transaction(actor=shop.system_actor("crashing poller")) as tx:
        [claimed] = tx.shipments.claim_due(crashed, 10)
    assert claimed.id == shipment.id
    # It dies here, before asking the carrier or recording anything.
    assert track_shipments(shop).polled == 0  # still leased
    clock.advance(seconds=301)
    report = track_shipments(shop)
    assert (report.polled, report.delivered) == (1, 1)
    stored = count(shop, TrackingEvent)
    # Had it only stalled, its late answer changes nothing: the shipment is no longer its own.
    result = shop.tracking.tracker(shop).track(claimed.carrier, claimed.tracking_number)
    with shop.transaction(actor=shop.system_actor("crashing poller")) as tx:
        assert tx.shipments.record_poll(claimed, crashed, result) is None
    assert count(shop, TrackingEvent) == stored
    assert [e.name for e in _events(shop)].count("shipment.delivered") == 1


def test_shipments_left_when_the_lease_runs_short_are_given_back(shop, clock):
    shipments = [shipped(shop) for _ in range(3)]
    clock.advance(days=4)
    inner = shop.tracking.tracker(shop)

    class Slow:
        """Each question takes 250 s: past two thirds of the 300 s lease after the first."""

        def track(self, carrier, tracking_number, *, phone=None):
            clock.advance(seconds=250)
            return inner.track(carrier, tracking_number, phone=phone)

    for run in range(3):
        assert track_shipments(shop, tracker=Slow()).polled == 1
        assert [row(shop, s.id).claimed_by for s in shipments] == [None] * 3, run
    assert [row(shop, s.id).state for s in shipments] == ["delivered"] * 3


def _events(shop):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        found = tx._session.scalars(select(DomainEvent).order_by(DomainEvent.id)).all()
        for event in found:
            tx._session.expunge(event)
        return found


# -- on a database that really commits -------------------------------------------------------

@contextmanager
def shipments_cleaned(engine):
    """Remove the orders, shipments and tracking events a committing test adds."""
    tables = ("tracking_event", "shipment", "shop_order")
    with engine.connect() as connection:
        top = {t: connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {t}")).scalar()  # noqa: S608
               for t in tables}
    try:
        yield
    finally:
        with engine.begin() as connection:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table} WHERE id > :top"),  # noqa: S608
                                   {"top": top[table]})


@pytest.fixture
def committed(engine, settings, clock):
    with cleaned(engine), shipments_cleaned(engine):
        yield Shop(engine, settings, clock=clock)


class Probe:
    """The shop's own tracker, asked slowly, counting the questions and noting whether any
    transaction was open at each."""

    def __init__(self, shop, engine, pause=0.0):
        self.inner, self.engine, self.pause = shop.tracking.tracker(shop), engine, pause
        self.asked, self.open_transactions = Counter(), []
        self._lock = threading.Lock()

    def track(self, carrier, tracking_number, *, phone=None):
        self.open_transactions.append(open_transactions(self.engine))
        time.sleep(self.pause)
        with self._lock:
            self.asked[tracking_number] += 1
        return self.inner.track(carrier, tracking_number, phone=phone)


def test_no_transaction_is_open_while_the_carrier_is_asked(committed, engine, clock):
    for _ in range(3):
        shipped(committed)
    clock.advance(days=4)
    probe = Probe(committed, engine)
    assert track_shipments(committed, tracker=probe).polled == 3
    assert probe.open_transactions == [0, 0, 0]


def test_two_pollers_at_once_ask_once_and_store_each_event_once(committed, engine, clock):
    shipments = [shipped(committed) for _ in range(12)]
    clock.advance(days=4)
    probe = Probe(committed, engine, pause=0.01)
    start = threading.Barrier(2)
    errors, reports = [], []

    def poller():
        try:
            start.wait(10)
            while True:
                report = track_shipments(committed, limit=3, tracker=probe)
                reports.append(report)
                if not report.polled:
                    return
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert probe.asked == Counter({s.tracking_number: 1 for s in shipments})
    ids = [s.id for s in shipments]
    expected = sum(told(committed, s) for s in shipments)
    assert sum(r.events for r in reports) == expected
    assert count(committed, TrackingEvent, TrackingEvent.shipment_id.in_(ids)) == expected
    assert sum(r.delivered for r in reports) == 12
    assert count(committed, Shipment, Shipment.id.in_(ids), Shipment.state == "delivered") == 12
    assert count(committed, DomainEvent, DomainEvent.name == "shipment.delivered") == 12
