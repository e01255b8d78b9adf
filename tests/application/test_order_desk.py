"""The back office's order desk: filters, keyset pages and their boundaries, the export's rows,
flags and notes (audited, refused with the field named and nothing written), who may do what,
and a bounded number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.application import Conflict, Forbidden, Invalid, NotFound
from shop.application.ordering import desk
from shop.data.models import AuditEntry, OrderFlag, OrderNote
from tests import staff_factories as sf
from tests.ordering_support import BEIJING, buyer, place, prepare_shop, sku_codes, submit


@pytest.fixture
def skus(system):
    prepare_shop(system)
    return sku_codes(system, stock=50, price="100.00", sizes=("s", "m"))


@pytest.fixture
def orders(shop, clock, skus):
    """Four orders a day apart (2026-03-01 … 03-04, 10:00 in 北京): 1, 2, 3 and 4 units (¥100
    each, free shipping from ¥199 so ¥112, ¥200, ¥300, ¥400); the second is cash on delivery,
    the third paid."""
    shop.settings["shop.payment.cod.provinces"] = BEIJING["province"]
    clock.set(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    who = buyer(shop)
    placed = []
    for n in range(1, 5):
        form = {"payment_method": "cod"} if n == 2 else {}
        placed.append(place(shop, who, {skus[0]: n}, **form).number)
        clock.advance(days=1)
    with shop.transaction(shop.system_actor("payments")) as tx:
        tx.orders.mark_paid(placed[2], "test")
    return placed


def _cs(system):
    return sf.acting(system, sf.staff(system, ["customer_service"]))


def _numbers(page):
    return [row.number for row in page.rows]


def test_newest_first_and_each_filter(system, orders):
    staff = _cs(system)
    search = staff.order_desk.search
    assert _numbers(search({})) == orders[::-1]
    assert _numbers(search({"state": "awaiting_shipment"})) == [orders[2], orders[1]]
    assert _numbers(search({"payment_method": "cod"})) == [orders[1]]
    # Dates are the shop's days: 03-02 and 03-03 in 北京.
    assert _numbers(search({"since": "2026-03-02", "until": "2026-03-03"})) == \
        [orders[2], orders[1]]
    assert _numbers(search({"min_payable": "200", "max_payable": "300.00"})) == \
        [orders[2], orders[1]]
    assert _numbers(search({"q": orders[3]})) == [orders[3]]
    assert _numbers(search({"q": "138 0013 8000"})) == orders[::-1]
    assert _numbers(search({"q": "13900139000"})) == []
    assert _numbers(search({"sort": "oldest"})) == orders
    assert _numbers(search({"sort": "payable_asc"})) == orders
    assert [r.payable for r in search({"sort": "payable_desc"}).rows] == \
        [Decimal("400.00"), Decimal("300.00"), Decimal("200.00"), Decimal("112.00")]
    assert search({"state": "paid", "sort": "oldest"}).filters == {"state": "paid",
                                                                    "sort": "oldest"}


@pytest.mark.parametrize("params, field", [
    ({"state": "lost"}, "state"), ({"since": "2026-13-01"}, "since"),
    ({"since": "2026-03-04", "until": "2026-03-01"}, "until"),
    ({"min_payable": "abc"}, "min_payable"), ({"min_payable": "-1"}, "min_payable"),
    ({"min_payable": "50", "max_payable": "10"}, "max_payable"),
    ({"payment_method": "cash"}, "payment_method"), ({"flag": "gold"}, "flag"),
    ({"q": "hello"}, "q"), ({"sort": "random"}, "sort"), ({"after": "12"}, "after")])
def test_a_bad_filter_names_its_field(system, orders, params, field):
    with pytest.raises(Invalid) as refused:
        _cs(system).order_desk.search(params)
    assert set(refused.value.errors) == {field}


@pytest.mark.parametrize("sort", ["newest", "oldest", "payable_desc", "payable_asc"])
def test_keyset_pages_meet_without_gap_or_repeat(system, orders, monkeypatch, sort):
    monkeypatch.setattr(desk, "PAGE_SIZE", 2)
    search = _cs(system).order_desk.search
    first = search({"sort": sort})
    assert len(first.rows) == 2 and first.next_after == first.rows[-1].number
    second = search({"sort": sort, "after": first.next_after})
    assert second.next_after is None  # exactly two left: no empty third page
    assert sorted(_numbers(first) + _numbers(second)) == sorted(orders)
    with pytest.raises(NotFound):
        search({"sort": sort, "after": "0" * 20})


def test_pages_of_exactly_the_page_size_and_one_more(system, orders, monkeypatch):
    monkeypatch.setattr(desk, "PAGE_SIZE", 4)
    assert _cs(system).order_desk.search({}).next_after is None
    monkeypatch.setattr(desk, "PAGE_SIZE", 3)
    page = _cs(system).order_desk.search({})
    assert page.next_after == orders[1]
    assert _numbers(_cs(system).order_desk.search({"after": page.next_after})) == [orders[0]]


def test_a_page_costs_the_same_queries_however_many_flags(system, orders, queries):
    staff = _cs(system)
    staff.order_desk.search({})  # settings and the actor's roles are read once
    queries.reset()
    staff.order_desk.search({})
    few = queries.count
    for number in orders:
        staff.order_desk.flag(number, {"kind": "urgent"})
        staff.order_desk.flag(number, {"kind": "custom", "text": "待补发"})
    queries.reset()
    page = staff.order_desk.search({"flag": "urgent"})
    assert len(page.rows) == 4 and all(len(r.flags) == 2 for r in page.rows)
    assert queries.count == few <= 2


@pytest.mark.parametrize("sort", ["newest", "oldest", "payable_desc", "payable_asc"])
def test_a_flag_filter_pages_each_flagged_order_once(system, orders, monkeypatch, sort):
    """Sorted by time, the flag filter walks the flags' own index: an order with two custom
    flags is still one row, pages meet without a gap, and the date range holds there too."""
    staff = _cs(system)
    flagged = orders[:3]
    for number in flagged:
        staff.order_desk.flag(number, {"kind": "custom", "text": "待补发"})
        staff.order_desk.flag(number, {"kind": "custom", "text": "缺货"})
    staff.order_desk.flag(orders[3], {"kind": "vip"})
    monkeypatch.setattr(desk, "PAGE_SIZE", 2)
    first = staff.order_desk.search({"flag": "custom", "sort": sort})
    second = staff.order_desk.search({"flag": "custom", "sort": sort,
                                      "after": first.next_after})
    assert second.next_after is None
    shown = _numbers(first) + _numbers(second)
    assert sorted(shown) == sorted(flagged) and len(shown) == 3
    expected = {"newest": flagged[::-1], "oldest": flagged,
                "payable_desc": flagged[::-1], "payable_asc": flagged}[sort]
    assert shown == expected
    assert _numbers(staff.order_desk.search({"flag": "custom", "sort": sort,
                                             "since": "2026-03-02", "until": "2026-03-02"})) \
        == [orders[1]]
    assert _numbers(staff.order_desk.search({"flag": "vip", "sort": sort})) == [orders[3]]


def test_the_export_reads_in_batches_and_holds_every_row(system, orders, monkeypatch,
                                                         queries):
    monkeypatch.setattr(desk, "EXPORT_BATCH", 3)
    staff = _cs(system)
    staff.order_desk.search({})
    queries.reset()
    rows = list(staff.order_desk.export_rows({"sort": "oldest"}))
    assert [r.number for r in rows] == orders
    assert queries.count == 4  # two batches, each the orders and their flags
    assert rows[0].address.endswith("建国路 1 号") and rows[0].mobile == "138 0013 8000"
    filters = staff.order_desk.begin_export({"state": "paid", "after": orders[0]}, "csv")
    assert filters == {"state": "paid"}
    entry = system._session.scalars(select(AuditEntry).where(
        AuditEntry.action == "order.export")).one()
    assert entry.after == {"filters": {"state": "paid"}, "format": "csv"}


def test_flags_are_added_once_removed_and_audited(system, orders):
    staff = _cs(system)
    number = orders[0]
    flag = staff.order_desk.flag(number, {"kind": "risk"})
    assert flag is not None and flag.kind == "risk"
    assert staff.order_desk.flag(number, {"kind": "risk"}) is None  # already there
    assert _numbers(staff.order_desk.search({"flag": "risk"})) == [number]
    staff.order_desk.unflag(number, flag.id)
    assert _numbers(staff.order_desk.search({"flag": "risk"})) == []
    with pytest.raises(NotFound):
        staff.order_desk.unflag(number, flag.id)
    actions = list(system._session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_id == number).order_by(AuditEntry.id)))
    assert actions == ["order.flag.add", "order.flag.remove"]


@pytest.mark.parametrize("data, field", [({}, "kind"), ({"kind": "gold"}, "kind"),
                                         ({"kind": "custom"}, "text"),
                                         ({"kind": "custom", "text": "x" * 41}, "text")])
def test_a_refused_flag_names_its_field_and_writes_nothing(system, orders, data, field):
    with pytest.raises(Invalid) as refused:
        _cs(system).order_desk.flag(orders[0], data)
    assert set(refused.value.errors) == {field}
    assert system._session.scalar(select(func.count()).select_from(OrderFlag)) == 0
    assert system._session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.like("order.%"))) == 0


def test_notes_are_kept_in_order_and_audited(system, orders):
    staff = _cs(system)
    staff.order_desk.add_note(orders[0], {"text": "客户来电要求周末送货"})
    with pytest.raises(Invalid) as refused:
        staff.order_desk.add_note(orders[0], {"text": "  "})
    assert set(refused.value.errors) == {"text"}
    detail = staff.order_desk.detail(orders[0])
    assert [n.text for n in detail.notes] == ["客户来电要求周末送货"]
    assert detail.notes[0].author == staff.actor.name
    assert system._session.scalar(select(func.count()).select_from(OrderNote)) == 1


def test_the_detail_has_lines_amounts_payments_and_the_timeline(system, orders):
    detail = _cs(system).order_desk.detail(orders[2])
    assert detail.order.payable == Decimal("300.00") and len(detail.order.items) == 1
    assert [s.state for s in detail.order.timeline] == ["awaiting_payment", "paid",
                                                        "awaiting_shipment"]
    assert detail.order.timeline[1].actor == "system:payments"
    assert detail.can_ship and not detail.can_review and detail.review is None
    with pytest.raises(NotFound):
        _cs(system).order_desk.detail("1" * 20)


def test_shipping_from_the_desk(system, orders):
    staff = _cs(system)
    staff.order_desk.ship(orders[2], {"carrier": "SF", "tracking_number": "SF1234567890"})
    detail = staff.order_desk.detail(orders[2])
    assert detail.order.state == "shipped" and not detail.can_ship
    with pytest.raises(Invalid) as refused:
        staff.order_desk.ship(orders[1], {"carrier": "SF", "tracking_number": ""})
    assert "tracking_number" in refused.value.errors
    assert staff.order_desk.detail(orders[1]).order.state == "awaiting_shipment"
    with pytest.raises(Conflict):
        staff.order_desk.ship(orders[0], {"carrier": "SF", "tracking_number": "SF99999999"})


@pytest.mark.parametrize("role", ["warehouse", "finance"])
def test_viewers_read_but_do_not_write(system, orders, role):
    viewer = sf.acting(system, sf.staff(system, [role]))
    assert len(viewer.order_desk.search({}).rows) == 4
    viewer.order_desk.detail(orders[0])
    for write in (lambda: viewer.order_desk.flag(orders[0], {"kind": "vip"}),
                  lambda: viewer.order_desk.add_note(orders[0], {"text": "x"}),
                  lambda: viewer.order_desk.ship(orders[2], {"carrier": "SF",
                                                             "tracking_number": "SF12345678"})):
        with pytest.raises(Forbidden):
            write()


@pytest.mark.parametrize("role", ["merchandiser", "marketing"])
def test_staff_without_the_order_permission_see_nothing(system, orders, role):
    other = sf.acting(system, sf.staff(system, [role]))
    for call in (lambda: other.order_desk.search({}), lambda: other.order_desk.detail(orders[0]),
                 lambda: list(other.order_desk.export_rows({})),
                 lambda: other.order_desk.begin_export({}, "csv")):
        with pytest.raises(Forbidden):
            call()


def test_a_shopper_cannot_use_the_desk(shop, orders):
    who = buyer(shop)
    with shop.transaction(who.actor) as tx, pytest.raises(Forbidden):
        tx.order_desk.search({})


def test_an_order_placed_late_in_the_shop_day_counts_on_that_day(shop, system, clock, skus):
    clock.set(datetime(2026, 3, 1, 15, 30, tzinfo=UTC))  # 23:30 in 北京
    who = buyer(shop)
    number = place(shop, who, {skus[0]: 1}).number
    clock.advance(timedelta(hours=1))  # 00:30 on 03-02 in 北京
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": skus[1], "quantity": "1"})
    later = submit(shop, who).number
    search = _cs(system).order_desk.search
    assert _numbers(search({"since": "2026-03-01", "until": "2026-03-01"})) == [number]
    assert _numbers(search({"since": "2026-03-02"})) == [later]


def test_the_detail_costs_the_same_queries_however_many_lines_notes_and_flags(
        shop, system, skus, queries):
    who = buyer(shop)
    one = place(shop, who, {skus[0]: 1}).number
    two = place(shop, who, {skus[0]: 1, skus[1]: 2}).number
    staff = _cs(system)
    for kind in ("urgent", "vip", "risk"):
        staff.order_desk.flag(two, {"kind": kind})
    for n in range(3):
        staff.order_desk.add_note(two, {"text": f"note {n}"})
    staff.order_desk.detail(one)
    queries.reset()
    staff.order_desk.detail(one)
    few = queries.count
    queries.reset()
    detail = staff.order_desk.detail(two)
    assert len(detail.order.items) == 2 and len(detail.flags) == 3 and len(detail.notes) == 3
    assert queries.count == few
