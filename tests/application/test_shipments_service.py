"""Recording shipments, reading many orders' tracking in two queries, and staff entering
tracking events: permissions, field messages, idempotence, the delivered event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shop.application import ANONYMOUS, Forbidden, Invalid, NotFound
from shop.application.shipments import service as shipments_service
from shop.data.models import AuditEntry, DomainEvent, TrackingEvent
from tests import staff_factories as sf
from tests.shipments_support import number, order
from tests.shoppers import shopper

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(clock):
    clock.set(NOW)


@pytest.fixture
def clerk(system):
    """A unit of work acting as a customer-service clerk (ORDER_VIEW and ORDER_MANAGE)."""
    return sf.acting(system, sf.staff(system, ["customer_service"]))


def count(tx, model, *where):
    return tx._session.scalar(select(func.count()).select_from(model).where(*where))


def event(**changes):
    return {"status": "in_transit", "description": "快件已到达上海转运中心",
            "location": "上海市", **changes}


def test_staff_record_a_shipment_audited_and_due_for_polling(system, clerk):
    order_id = order(system)
    shipment = clerk.shipments.record(order_id, " sf ", "sf 1234-5678-90123")
    assert (shipment.order_id, shipment.carrier, shipment.tracking_number) == (
        order_id, "SF", "SF1234567890123")
    assert (shipment.state, shipment.shipped_at, shipment.events) == ("in_transit", NOW, ())
    assert shipment.carrier_name.interpolate() == "SF Express"
    [entry] = system._session.scalars(select(AuditEntry).where(
        AuditEntry.action == "shipments.record")).all()
    assert entry.entity_id == str(shipment.id) and entry.after["tracking_number"] == \
        "SF1234567890123"
    assert system.shipments.any_due()


def test_recording_the_same_number_again_is_the_same_shipment(system, clerk):
    order_id = order(system)
    first = clerk.shipments.record(order_id, "ZTO", "773012345678901")
    assert clerk.shipments.record(order_id, "zto", "773012345678901").id == first.id
    assert count(system, AuditEntry, AuditEntry.action == "shipments.record") == 1
    with pytest.raises(Invalid) as taken:
        clerk.shipments.record(order(system), "ZTO", "773012345678901")
    assert set(taken.value.errors) == {"tracking_number"}
    # The same number with another carrier is another parcel.
    assert clerk.shipments.record(order(system), "YTO", "773012345678901").id != first.id


@pytest.mark.parametrize(("carrier", "tracking_number", "fields"), [
    ("UPS", "SF1234567890123", {"carrier"}),
    ("", "SF1234567890123", {"carrier"}),
    ("SF", "SF12", {"tracking_number"}),
    ("SF", "SF" + "1" * 31, {"tracking_number"}),
    ("SF", "SF12345678.90", {"tracking_number"}),
    ("SF", "顺丰1234567890", {"tracking_number"}),
    ("", "", {"carrier", "tracking_number"}),
])
def test_each_bad_field_is_named(system, clerk, carrier, tracking_number, fields):
    with pytest.raises(Invalid) as caught:
        clerk.shipments.record(order(system), carrier, tracking_number)
    assert set(caught.value.errors) == fields


def test_shoppers_and_staff_without_order_manage_may_not_record(shop, system):
    order_id = order(system)
    merchandiser = sf.acting(system, sf.staff(system, ["merchandiser"]))
    with pytest.raises(Forbidden):
        merchandiser.shipments.record(order_id, "SF", number())
    for actor in (shopper(shop), ANONYMOUS):
        with shop.transaction(actor=actor) as tx, pytest.raises(Forbidden):
            tx.shipments.record(order_id, "SF", number())


def test_an_unknown_order_is_not_found(clerk):
    for order_id in (10**9, 0, "1; drop", 2**40):
        with pytest.raises(NotFound):
            clerk.shipments.record(order_id, "SF", number())


def _shipment_with_events(system, clerk, order_id, events):
    shipment = clerk.shipments.record(order_id, "SF", number())
    for n in range(events):
        clerk.shipments.add_event(shipment.id, event(
            occurred_at=(NOW - timedelta(hours=events - n)).isoformat(),
            description=f"第{n}站"))
    return shipment


def test_for_orders_takes_two_queries_however_many_orders_and_events(system, clerk, queries):
    small = [order(system)]
    _shipment_with_events(system, clerk, small[0], 2)
    queries.reset()
    clerk.shipments.for_orders(small)
    few = queries.count
    large = [order(system) for _ in range(5)]
    for order_id in large:
        _shipment_with_events(system, clerk, order_id, 4)
        _shipment_with_events(system, clerk, order_id, 3)
    queries.reset()
    found = clerk.shipments.for_orders(large + small)
    assert queries.count == few == 2
    assert [len(found[o]) for o in large] == [2] * 5
    assert [len(s.events) for s in found[large[0]]] == [4, 3]
    newest = found[large[0]][0].events
    assert [e.occurred_at for e in newest] == sorted((e.occurred_at for e in newest),
                                                     reverse=True)
    assert newest[0].description == "第3站" and newest[0].source == "staff"
    assert newest[0].status_label.interpolate() == "In transit"


def test_for_orders_caps_the_events_per_shipment(system, clerk, monkeypatch):
    order_id = order(system)
    _shipment_with_events(system, clerk, order_id, 5)
    monkeypatch.setattr(shipments_service, "MAX_EVENTS", 3)
    [shipment] = clerk.shipments.for_orders([order_id])[order_id]
    assert [e.description for e in shipment.events] == ["第4站", "第3站", "第2站"]


def test_a_shopper_reads_only_their_own_orders_shipments(shop, system, clerk):
    alice, bob = shopper(shop), shopper(shop)
    mine, theirs = order(system, alice.id), order(system, bob.id)
    clerk.shipments.record(mine, "SF", number())
    clerk.shipments.record(theirs, "SF", number())
    system._session.flush()
    with shop.transaction(actor=alice) as tx:
        found = tx.shipments.for_orders([mine, theirs, 10**9])
    assert len(found[mine]) == 1 and found[theirs] == [] and found[10**9] == []
    with shop.transaction() as tx, pytest.raises(Forbidden):
        tx.shipments.for_orders([mine])


def test_staff_add_an_event_by_hand_audited(system, clerk):
    shipment = clerk.shipments.record(order(system), "JD", number("JD"))
    at = "2026-12-01T15:30:00"  # the shop's time zone (Asia/Shanghai): 07:30 UTC
    changed = clerk.shipments.add_event(shipment.id, event(occurred_at=at, status="exception",
                                                           description="地址不详，联系收件人"))
    [only] = changed.events
    assert only.occurred_at == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    assert (only.status, only.source, only.location) == ("exception", "staff", "上海市")
    assert changed.state == "in_transit"
    assert count(system, AuditEntry, AuditEntry.action == "shipments.add_event") == 1
    # The same event entered twice is one event and one audit entry.
    again = clerk.shipments.add_event(shipment.id, event(
        occurred_at=at, status="exception", description="地址不详，联系收件人"))
    assert len(again.events) == 1
    assert count(system, AuditEntry, AuditEntry.action == "shipments.add_event") == 1


def test_an_event_without_a_time_happened_now(system, clerk):
    shipment = clerk.shipments.record(order(system), "EMS", "EM263999513JP")
    [only] = clerk.shipments.add_event(shipment.id, event()).events
    assert only.occurred_at == NOW


@pytest.mark.parametrize(("changes", "field"), [
    ({"occurred_at": (NOW + timedelta(minutes=5)).isoformat()}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"status": "lost"}, "status"),
    ({"status": ""}, "status"),
    ({"description": ""}, "description"),
    ({"description": "x" * 201}, "description"),
    ({"location": "上" * 101}, "location"),
])
def test_each_bad_event_field_is_named(system, clerk, changes, field):
    shipment = clerk.shipments.record(order(system), "SF", number())
    with pytest.raises(Invalid) as caught:
        clerk.shipments.add_event(shipment.id, event(**changes))
    assert set(caught.value.errors) == {field}
    assert count(system, TrackingEvent, TrackingEvent.shipment_id == shipment.id) == 0


def test_the_future_is_refused_with_its_own_message(system, clerk):
    shipment = clerk.shipments.record(order(system), "SF", number())
    with pytest.raises(Invalid) as caught:
        clerk.shipments.add_event(shipment.id, event(occurred_at="2027-01-01T00:00:00+08:00"))
    assert caught.value.errors["occurred_at"].interpolate() == "The time cannot be in the future"


def test_adding_events_needs_order_manage(shop, system, clerk):
    shipment = clerk.shipments.record(order(system), "SF", number())
    reader = sf.acting(system, sf.staff(system, ["finance"]))
    with pytest.raises(Forbidden):
        reader.shipments.add_event(shipment.id, event())
    with shop.transaction(actor=shopper(shop)) as tx, pytest.raises(Forbidden):
        tx.shipments.add_event(shipment.id, event())
    with pytest.raises(NotFound):
        clerk.shipments.add_event(10**9, event())


def test_a_delivered_event_by_hand_delivers_once(system, clerk):
    order_id = order(system)
    shipment = clerk.shipments.record(order_id, "SF", number())
    delivered = clerk.shipments.add_event(shipment.id, event(status="delivered",
                                                             description="客户电话确认已收到"))
    assert (delivered.state, delivered.delivered_at) == ("delivered", NOW)
    clerk.shipments.add_event(shipment.id, event(status="delivered", description="再次确认"))
    [recorded] = system._session.scalars(select(DomainEvent).where(
        DomainEvent.name == "shipment.delivered")).all()
    assert recorded.payload == {"order_id": order_id, "shipment_id": shipment.id}
    assert not system.shipments.any_due()


def test_the_job_steps_are_for_the_system_only(system, clerk):
    with pytest.raises(Forbidden):
        clerk.shipments.any_due()
    with pytest.raises(Forbidden):
        clerk.shipments.shipped_at("SF", "SF1234567890123")
