"""Orders staff enter (``uow.order_entry``): phone orders for an existing and a new customer,
the group-buy import (dry run, bad rows by line and field, all or nothing, de-duplication, the
external tender in the ledger), zero-amount orders and their four-eyes approval, and the audit
entries. Money is compared to the fen, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.application import Conflict, Forbidden, Invalid
from shop.data.models import (
    AuditEntry,
    Customer,
    LedgerEntry,
    Order,
    OrderEntry,
    OrderLine,
    Payment,
    Sku,
)
from tests import staff_factories as sf
from tests.ordering_support import BEIJING, Buyer, prepare_shop, sku_codes
from tests.shoppers import shopper


@pytest.fixture
def skus(system):
    prepare_shop(system)
    return sku_codes(system, stock=10, price="100.00", sizes=("s", "m"))


@pytest.fixture
def now(clock):
    clock.set(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    return clock.now()


def buyer(shop):
    """A shopper with mobile 13800138000 and one address in 北京."""
    actor = shopper(shop, mobile="+8613800138000")
    with shop.transaction(actor) as tx:
        address = tx.addresses.add({"recipient": "张三", "mobile": "13800138000",
                                    "street": "建国路 1 号", **BEIJING})
    return Buyer(actor, address.id)


def _staff(system, roles=("customer_service",)):
    return sf.acting(system, sf.staff(system, list(roles)))


def _key():
    return secrets.token_urlsafe(24)


def _typed_address(**over):
    return {"recipient": "李四", "mobile": "13900139000", "street": "长安街 8 号",
            **BEIJING, **over}


def _available(tx, code):
    sku_id = tx._session.scalar(select(Sku.id).where(Sku.code == code))
    return tx.inventory.available([sku_id])[sku_id]


def _audits(tx, action):
    return tx._session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# -- phone orders ------------------------------------------------------------------------------

def test_phone_order_for_an_existing_customer_at_the_shops_price(shop, system, skus, now):
    who = buyer(shop)
    staff = _staff(system)
    entered = staff.order_entry.phone_order({
        "idempotency_key": (key := _key()), "customer": "138 0013 8000",
        "items": f"{skus[0]} 2\n{skus[1]}", "address": str(who.address_id),
        "shipping_method": "express", "payment_method": "online"})
    assert entered.customer_id == who.actor.id and not entered.new_customer
    # 2 × ¥100 + ¥101 (the factory prices each size a yuan apart), free shipping from ¥199.
    assert entered.payable == Decimal("301.00") and entered.state == "awaiting_payment"
    order = system._session.scalar(select(Order).where(Order.number == entered.number))
    assert (order.channel, order.entered_by, order.approval) == (
        "phone", staff.actor.name, None)
    assert order.recipient == "张三"
    assert _available(system, skus[0]) == 8  # reserved like any order
    entry = system._session.get(OrderEntry, order.id)
    assert entry.kind == "phone"
    # The shopper sees it in their order center, to pay online.
    with shop.transaction(who.actor) as tx:
        assert tx.orders.get(entered.number).payable == Decimal("301.00")
    # Who entered it is in the timeline and the audit log.
    assert [a.entity_id for a in _audits(system, "order.entry.phone")] == [entered.number]
    # The same form again returns the same order.
    again = staff.order_entry.phone_order({
        "idempotency_key": key, "customer": "13800138000", "items": f"{skus[0]} 2",
        "address": str(who.address_id), "shipping_method": "express",
        "payment_method": "online"})
    assert again.number == entered.number


def test_phone_order_for_a_new_customer_with_a_typed_address(system, skus, now):
    staff = _staff(system)
    entered = staff.order_entry.phone_order({
        "idempotency_key": _key(), "customer": "13700137000", "new_customer": "true",
        "customer_name": "王五", "items": f"{skus[0]}", "shipping_method": "express",
        "payment_method": "online", **_typed_address()})
    assert entered.new_customer
    customer = system._session.get(Customer, entered.customer_id)
    assert (customer.mobile, customer.name, customer.password_hash) == (
        "+8613700137000", "王五", None)
    # ¥100 + ¥12 shipping (below the free-shipping threshold).
    assert entered.payable == Decimal("112.00")
    order = system._session.scalar(select(Order).where(Order.number == entered.number))
    assert (order.recipient, order.mobile, order.district_code) == (
        "李四", "+8613900139000", BEIJING["district"])
    assert _audits(system, "accounts.customer.register")
    # The customer can be found by staff now, with no address book yet.
    found = staff.order_entry.find_customer("13700137000")
    assert found is not None and found.id == entered.customer_id and found.addresses == ()


@pytest.mark.parametrize("change, field", [
    ({"customer": "13600136000"}, "customer"),  # unknown, not asked to create
    ({"customer": "13600136000", "new_customer": "true"}, "customer_name"),
    ({"customer": "nobody@example.com", "new_customer": "true", "customer_name": "X"},
     "customer"),
    ({"items": "NOPE 1"}, "items"), ({"items": "x 0"}, "items"), ({"items": ""}, "items"),
    ({"items": "x ²"}, "items"),
    ({"street": ""}, "street"), ({"district": "110101x"}, "district"),
    ({"payment_method": "cash"}, "payment_method"), ({"shipping_method": ""}, "shipping_method"),
])
def test_a_refused_phone_order_writes_nothing(system, skus, now, change, field):
    staff = _staff(system)
    before = (system._session.scalar(select(func.count()).select_from(Order)),
              system._session.scalar(select(func.count()).select_from(Customer)))
    data = {"idempotency_key": _key(), "customer": "13600136000", "new_customer": "true",
            "customer_name": "赵六", "items": f"{skus[0]} 1", "shipping_method": "express",
            "payment_method": "online", **_typed_address()}
    data.update(change)
    if change.get("customer") == "13600136000" and "new_customer" not in change:
        data.pop("new_customer")
    if field == "customer_name":
        data.pop("customer_name")
    with pytest.raises(Invalid) as refused:
        staff.order_entry.phone_order(data)
    assert field in refused.value.errors
    assert (system._session.scalar(select(func.count()).select_from(Order)),
            system._session.scalar(select(func.count()).select_from(Customer))) == before


def test_entering_orders_needs_order_manage(system, skus, now):
    shopper_id = sf.customer(system)
    shopper = system.acting_as(system.accounts.actor_for(shopper_id))
    for call in (lambda s: s.order_entry.phone_order({}),
                 lambda s: s.order_entry.zero_amount_order({}),
                 lambda s: s.order_entry.import_group_buy({}),
                 lambda s: s.order_entry.decide("1" * 20, {})):
        with pytest.raises(Forbidden):
            call(shopper)


# -- zero-amount orders ------------------------------------------------------------------------

def _zero(staff, skus, **over):
    return staff.order_entry.zero_amount_order({
        "idempotency_key": _key(), "customer": "13800138000", "items": f"{skus[0]} 2",
        "shipping_method": "express", "reason": "换货补发", **_typed_address(), **over})


def test_a_zero_amount_order_needs_a_reason(shop, system, skus, now):
    buyer(shop)
    with pytest.raises(Invalid) as refused:
        _zero(_staff(system), skus, reason="")
    assert set(refused.value.errors) == {"reason"}
    assert system._session.scalar(select(func.count()).select_from(Order)) == 0


def test_zero_amount_order_waits_for_a_second_person_then_ships(shop, system, skus, now):
    buyer(shop)
    clerk, checker = _staff(system), _staff(system)
    entered = _zero(clerk, skus)
    assert entered.payable == Decimal("0.00") and entered.state == "awaiting_shipment"
    order = system._session.scalar(select(Order).where(Order.number == entered.number))
    assert (order.items_total, order.shipping_fee, order.approval, order.payment_method) == (
        Decimal("0.00"), Decimal("0.00"), "pending", "none")
    assert _available(system, skus[0]) == 8  # reserved like any order
    queue = checker.order_entry.approval_queue()
    assert [(r.number, r.reason, r.may_decide) for r in queue] == [
        (entered.number, "换货补发", True)]
    assert clerk.order_entry.approval_queue()[0].may_decide is False
    # It may not ship yet, and its author may not approve it.
    assert not checker.order_desk.detail(entered.number).can_ship
    with pytest.raises(Conflict):
        checker.order_desk.ship(entered.number, {"carrier": "sf",
                                                 "tracking_number": "SF1234567890"})
    with pytest.raises(Forbidden):
        clerk.order_entry.decide(entered.number, {"decision": "approve"})
    checker.order_entry.decide(entered.number, {"decision": "approve", "note": "ok"})
    with pytest.raises(Conflict):
        checker.order_entry.decide(entered.number, {"decision": "approve"})
    assert checker.order_desk.detail(entered.number).can_ship
    checker.order_desk.ship(entered.number, {"carrier": "sf", "tracking_number": "SF1234567890"})
    system._session.expire_all()
    assert system._session.get(Order, order.id).state == "shipped"
    assert _available(system, skus[0]) == 8  # taken for good at shipping
    entry = system._session.get(OrderEntry, order.id)
    assert (entry.reason, entry.decided_by) == ("换货补发", checker.actor.name)
    assert [a.actor_name for a in _audits(system, "order.entry.approve")] == [checker.actor.name]
    assert [a.actor_name for a in _audits(system, "order.entry.zero_amount")] == [clerk.actor.name]


def test_a_rejected_zero_amount_order_is_cancelled_and_its_stock_released(shop, system, skus,
                                                                         now):
    buyer(shop)
    clerk, checker = _staff(system), _staff(system)
    entered = _zero(clerk, skus)
    with pytest.raises(Invalid) as refused:
        checker.order_entry.decide(entered.number, {"decision": "reject"})
    assert set(refused.value.errors) == {"note"}
    checker.order_entry.decide(entered.number, {"decision": "reject", "note": "重复补发"})
    system._session.expire_all()
    order = system._session.scalar(select(Order).where(Order.number == entered.number))
    assert (order.state, order.approval) == ("cancelled", "rejected")
    assert _available(system, skus[0]) == 10
    assert [a.entity_id for a in _audits(system, "order.entry.reject")] == [entered.number]
    assert checker.order_entry.approval_queue() == []


# -- group-buy imports -------------------------------------------------------------------------

HEADER = ("external_id,platform,recipient,mobile,province,city,district,address,sku_code,"
          "quantity,paid_amount,paid_at")


def _csv(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


def _row(sku, external_id="MT-1", *, platform="美团", mobile="13900139000", quantity="1",
         paid="79.90", province="北京市", city="110100", district="朝阳区"):
    return (f"{external_id},{platform},李四,{mobile},{province},{city},{district},"
            f"长安街 8 号,{sku},{quantity},{paid},2026-03-01 09:30:00")


def test_group_buy_import_records_what_the_platform_collected(system, skus, now):
    staff = _staff(system)
    content = _csv(_row(skus[0], "MT-1", paid="79.90"),
                   _row(skus[0], "MT-2", quantity="2", paid="215.50"))
    report = staff.order_entry.import_group_buy({"content": content})
    assert (report.rows, report.new_rows, report.duplicates, report.errors) == (2, 2, (), ())
    first, second = (system._session.scalar(select(Order).where(Order.number == n))
                     for n in report.created)
    # Below the shop's price the platform's discount; above it the shipping it charged.
    assert (first.items_total, first.discount_total, first.shipping_fee, first.payable) == (
        Decimal("100.00"), Decimal("20.10"), Decimal("0.00"), Decimal("79.90"))
    assert (second.items_total, second.discount_total, second.shipping_fee,
            second.payable) == (Decimal("200.00"), Decimal("0.00"), Decimal("15.50"),
                                Decimal("215.50"))
    assert (first.state, first.channel, first.payment_method) == (
        "awaiting_shipment", "group_buy", "external")
    payment = system._session.scalar(select(Payment).where(Payment.order_id == first.id))
    assert (payment.method, payment.state, payment.amount, payment.trade_no) == (
        "external", "captured", Decimal("79.90"), "MT-1")
    # The books: the platform's money into the order, then to sales, to the fen.
    sales = system._session.scalars(select(LedgerEntry.amount).where(
        LedgerEntry.reference == f"sale:{first.number}",
        LedgerEntry.direction == "credit")).all()
    captured = system._session.scalars(select(LedgerEntry.amount).where(
        LedgerEntry.reference == f"capture:{payment.number}",
        LedgerEntry.direction == "credit")).all()
    assert sales == [Decimal("79.90")] and captured == [Decimal("79.90")]
    assert _available(system, skus[0]) == 7
    customer = system._session.get(Customer, first.customer_id)
    assert customer.mobile == "+8613900139000" and first.customer_id == second.customer_id
    assert len(_audits(system, "order.entry.import")) == 1


def test_reimporting_the_same_file_creates_nothing_and_reports_duplicates(system, skus, now):
    staff = _staff(system)
    content = _csv(_row(skus[0], "MT-1"), _row(skus[0], "MT-2"))
    first = staff.order_entry.import_group_buy({"content": content})
    again = staff.order_entry.import_group_buy({"content": content})
    assert again.created == () and again.new_rows == 0
    assert [(d.line, d.external_id, d.number) for d in again.duplicates] == [
        (2, "MT-1", first.created[0]), (3, "MT-2", first.created[1])]
    # The same id on another platform is another order.
    other = staff.order_entry.import_group_buy({"content": _csv(_row(skus[0], "MT-1",
                                                                     platform="拼多多"))})
    assert len(other.created) == 1
    assert system._session.scalar(select(func.count()).select_from(Order)) == 3


def test_the_database_refuses_a_second_order_for_one_external_id(system, skus, now):
    staff = _staff(system)
    report = staff.order_entry.import_group_buy({"content": _csv(_row(skus[0]))})
    order = system._session.scalar(select(Order).where(Order.number == report.created[0]))
    from shop.data.repositories.order_entry import OrderEntryRepository
    assert OrderEntryRepository(system._session).add_unless_taken(
        {"order_id": order.id, "kind": "group_buy", "platform": "美团",
         "external_id": "MT-1"}) is False


def test_a_dry_run_reports_bad_rows_by_line_and_field_and_writes_nothing(system, skus, now):
    staff = _staff(system)
    content = _csv(_row(skus[0], "MT-1"),
                   _row("NOPE", "MT-2", mobile="12345", paid="1.234"),
                   _row(skus[0], "MT-1"),
                   _row(skus[0], "MT-4", province="火星", quantity="0"))
    report = staff.order_entry.import_group_buy({"content": content, "dry_run": "true"})
    assert report.dry_run and report.created == () and report.new_rows == 1
    assert sorted((e.line, e.field) for e in report.errors) == [
        (3, "mobile"), (3, "paid_amount"), (3, "sku_code"), (4, "external_id"),
        (5, "province"), (5, "quantity")]
    # The real import of the same file is refused whole, naming line and field.
    with pytest.raises(Invalid) as refused:
        staff.order_entry.import_group_buy({"content": content})
    assert "3.sku_code" in refused.value.errors and "5.province" in refused.value.errors
    assert system._session.scalar(select(func.count()).select_from(Order)) == 0
    # A clean file's dry run says what it would make, and makes nothing.
    clean = staff.order_entry.import_group_buy({"content": _csv(_row(skus[0])),
                                                "dry_run": "true"})
    assert (clean.new_rows, clean.errors, clean.created) == (1, (), ())
    assert system._session.scalar(select(func.count()).select_from(Order)) == 0


def test_an_import_is_all_or_nothing(system, skus, now):
    staff = _staff(system)
    # The second row wants more than the stock: the first is not kept either.
    content = _csv(_row(skus[0], "MT-1", quantity="5"), _row(skus[0], "MT-2", quantity="6"))
    with pytest.raises(Invalid) as refused:
        staff.order_entry.import_group_buy({"content": content})
    assert set(refused.value.errors) == {"3.quantity"}
    assert system._session.scalar(select(func.count()).select_from(Order)) == 0
    assert system._session.scalar(select(func.count()).select_from(Payment)) == 0
    assert system._session.scalar(select(func.count()).select_from(Customer)) == 0
    assert _available(system, skus[0]) == 10


def test_a_file_without_the_columns_is_refused(system, skus, now):
    with pytest.raises(Invalid) as refused:
        _staff(system).order_entry.import_group_buy({"content": "a,b\n1,2\n"})
    assert set(refused.value.errors) == {"content"}


def test_a_cancelled_group_buy_order_is_refunded_on_the_platform_in_the_books(system, skus,
                                                                               now):
    staff = _staff(system)
    number = staff.order_entry.import_group_buy({"content": _csv(_row(skus[0]))}).created[0]
    staff.orders.call_off(number, "平台退款")
    system._session.expire_all()
    order = system._session.scalar(select(Order).where(Order.number == number))
    payment = system._session.scalar(select(Payment).where(Payment.order_id == order.id))
    assert (order.state, payment.refunded) == ("cancelled", Decimal("79.90"))
    # Back out of sales to the platform's account, to the fen; nothing left for a gateway job.
    refunded = system._session.scalars(select(LedgerEntry.amount).where(
        LedgerEntry.order_number == number, LedgerEntry.kind == "gateway_refund",
        LedgerEntry.direction == "credit")).all()
    assert refunded == [Decimal("79.90")]
    with staff.shop.transaction(staff.shop.system_actor("tests")) as tx:
        assert tx.payments.pending_refunds(10) == []
    assert _available(system, skus[0]) == 10


def test_a_group_buy_shopper_cannot_cancel_what_the_platform_was_paid_for(shop, system, skus,
                                                                         now):
    """The platform holds the money: a shopper's cancel would book a refund nobody pays."""
    staff = _staff(system)
    number = staff.order_entry.import_group_buy({"content": _csv(_row(skus[0]))}).created[0]
    order = system._session.scalar(select(Order).where(Order.number == number))
    with shop.transaction(system.accounts.actor_for(order.customer_id)) as tx:
        assert tx.orders.get(number).can_cancel is False
        with pytest.raises(Conflict):
            tx.orders.cancel(number)
    system._session.expire_all()
    assert system._session.get(Order, order.id).state == "awaiting_shipment"


def test_one_platform_order_is_one_key_however_it_is_typed(system, skus, now):
    staff = _staff(system)
    staff.order_entry.import_group_buy({"content": _csv(_row(skus[0], "MT-1",
                                                             platform="Meituan"))})
    for external_id, platform in ((" MT-1", "meituan "), ("ＭＴ-1", "MEITUAN")):
        again = staff.order_entry.import_group_buy({"content": _csv(
            _row(skus[0], external_id, platform=platform))})
        assert again.created == () and len(again.duplicates) == 1


def test_a_csv_the_reader_cannot_read_is_refused_at_the_file(system, skus, now):
    huge = _row(skus[0]).replace("长安街 8 号", "长" * 140_000)
    with pytest.raises(Invalid) as refused:
        _staff(system).order_entry.import_group_buy({"content": _csv(huge)})
    assert set(refused.value.errors) == {"content"}


@pytest.mark.parametrize("line, code, quantity", [
    ("TEE-XL 2", "TEE-XL", 2), ("TEE-XL×3", "TEE-XL", 3), ("TEE-XL x 2", "TEE-XL", 2),
    ("TEE-XL, 2", "TEE-XL", 2), ("TEE-XL", "TEE-XL", 1), ("CABLE-1X2", "CABLE-1X2", 1)])
def test_an_items_line_never_splits_inside_a_code(shop, system, now, line, code, quantity):
    """Codes with an X in them are whole; the quantity follows a separator."""
    prepare_shop(system)
    for sku in ("TEE-XL", "CABLE-1X2", "CABLE-1"):
        system.catalog.create_product({
            "slug": sku.lower(), "name_zh": sku, "name_en": sku, "category": "shirts",
            "is_published": True, "skus": [{"code": sku, "price": "100.00",
                                            "stock_on_hand": 10, "weight_grams": 200}]})
    buyer(shop)
    entered = _staff(system).order_entry.phone_order({
        "idempotency_key": _key(), "customer": "13800138000", "items": line,
        "shipping_method": "express", "payment_method": "online", **_typed_address()})
    lines = system._session.execute(select(Sku.code, OrderLine.quantity).join(
        OrderLine, OrderLine.sku_id == Sku.id).join(Order, Order.id == OrderLine.order_id)
        .where(Order.number == entered.number)).all()
    assert lines == [(code, quantity)]


def test_a_cancelled_zero_amount_order_leaves_the_queue(shop, system, skus, now):
    buyer(shop)
    clerk, checker = _staff(system), _staff(system)
    entered = _zero(clerk, skus)
    checker.orders.call_off(entered.number, "客户不要了")
    assert checker.order_entry.approval_queue() == []
    with pytest.raises(Conflict):
        checker.order_entry.decide(entered.number, {"decision": "approve"})


def test_an_unshipped_zero_amount_order_is_cancelled_not_refunded(shop, system, skus, now):
    """Nothing was paid: the after-sales desk sends the shopper to cancel, as for cash on
    delivery."""
    who = buyer(shop)
    entered = _zero(_staff(system), skus)
    with pytest.raises(Invalid) as refused, shop.transaction(who.actor) as tx:
        line = tx.rma.options(entered.number).lines[0].line_id
        tx.rma.request(entered.number, {"kind": "refund", "reason": "unshipped",
                                        "lines": [{"line": str(line), "quantity": "1"}]})
    assert set(refused.value.errors) == {"kind"}


def test_a_group_buy_order_earns_no_points_here(system, skus, now):
    """The shopper paid the platform, not the shop: ``shop.points.per_yuan`` (1 by default)
    would otherwise give 79 points for the platform's ¥79.90."""
    number = _staff(system).order_entry.import_group_buy(
        {"content": _csv(_row(skus[0]))}).created[0]
    order = system._session.scalar(select(Order).where(Order.number == number))
    assert order.state == "awaiting_shipment"
    with system.shop.transaction(system.shop.system_actor("tests")) as tx:
        assert tx.payments.earn_points(order.id) == 0
