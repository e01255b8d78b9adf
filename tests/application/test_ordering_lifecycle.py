"""An order's life: only along the state machine's edges, each step logged; what each step does
to stock; the close job; changes before shipment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.application import Conflict, Forbidden, Invalid, NotFound
from shop.application.ordering import states
from shop.application.ordering.service import OrderService
from shop.data.models import Order, OutboxMessage, StockLevel, StockShortfall
from tests.ordering_support import (
    BEIJING,
    XINJIANG,
    buyer,
    place,
    prepare_shop,
    sku_codes,
    submit,
)

SHANGHAI = {"province": "310000", "city": "310100", "district": "310101"}


@pytest.fixture
def skus(system):
    prepare_shop(system)
    return sku_codes(system, stock=5, price="50.00", sizes=("s", "m"))


def _level(shop, sku):
    with shop.transaction() as tx:
        sku_id = tx._stock.repo.sku_ids_by_code([sku])[sku]
        return tuple(tx._session.execute(select(StockLevel.on_hand, StockLevel.reserved)
                                         .where(StockLevel.sku_id == sku_id)).one())


def _state(shop, who, number):
    with shop.transaction(who.actor) as tx:
        return tx.orders.get(number).state


def _paid(shop, number):
    with shop.transaction(shop.system_actor("payments")) as tx:
        tx.orders.mark_paid(number, "test payment")


def test_cancelling_releases_the_stock_and_logs_who(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 3})
    assert _level(shop, skus[0]) == (5, 3)
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(placed.number, {"reason": "买错了"})
    assert _level(shop, skus[0]) == (5, 0)
    with shop.transaction(who.actor, locale="en") as tx:
        order = tx.orders.get(placed.number)
    assert order.state == "cancelled" and not order.can_cancel and not order.can_change
    assert [(s.state, s.note) for s in order.timeline] == [("awaiting_payment", ""),
                                                           ("cancelled", "买错了")]
    assert order.timeline[1].actor == who.actor.name
    with shop.transaction(who.actor) as tx, pytest.raises(Conflict):
        tx.orders.cancel(placed.number)
    assert _level(shop, skus[0]) == (5, 0)  # the second cancel gave nothing back twice


def test_paying_takes_the_reserved_units_and_cancelling_puts_them_back(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 2})
    _paid(shop, placed.number)
    assert _level(shop, skus[0]) == (3, 0)
    assert _state(shop, who, placed.number) == "awaiting_shipment"
    with pytest.raises(Conflict):
        _paid(shop, placed.number)  # paid once: a second payment record is refused
    assert _level(shop, skus[0]) == (3, 0)
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(placed.number)
    assert _level(shop, skus[0]) == (5, 0)  # paid, not shipped: the units are on hand again
    with shop.transaction(who.actor) as tx, pytest.raises(Conflict):
        tx.orders.cancel(placed.number)
    assert _level(shop, skus[0]) == (5, 0)


def test_only_the_shop_itself_records_a_payment(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1})
    with shop.transaction(who.actor) as tx, pytest.raises(Forbidden):
        tx.orders.mark_paid(placed.number)
    assert _state(shop, who, placed.number) == "awaiting_payment"


def test_illegal_moves_are_refused(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1})
    with shop.transaction(who.actor) as tx, pytest.raises(Conflict):
        tx.orders.confirm_receipt(placed.number)  # not shipped
    assert _state(shop, who, placed.number) == "awaiting_payment"


def test_the_machine_has_exactly_its_edges():
    for source in states.EDGES:
        for target in states.EDGES:
            assert states.can_move(source, target) == (target in states.EDGES[source])
    assert states.sources(states.CLOSED) == {states.AWAITING_PAYMENT}
    assert not states.can_move(states.SHIPPED, states.CANCELLED)
    assert not states.can_move(states.CLOSED, states.AWAITING_SHIPMENT)
    # A late payment may complete an ended order (payments decides when), nothing else may.
    assert states.sources(states.PAID) == {states.AWAITING_PAYMENT, states.CANCELLED,
                                           states.CLOSED}


def test_goods_sold_at_payment_are_not_reserved_and_a_shortfall_is_recorded(shop, system):
    prepare_shop(system)
    (presale,) = sku_codes(system, stock=2, reserves_stock=False)
    first, second = buyer(shop), buyer(shop)
    a = place(shop, first, {presale: 2})
    b = place(shop, second, {presale: 1})  # beyond stock: pre-sales may oversell
    assert _level(shop, presale) == (2, 0)
    _paid(shop, a.number)
    _paid(shop, b.number)
    assert _level(shop, presale) == (0, 0)
    with shop.transaction() as tx:
        shortfalls = tx._session.execute(select(StockShortfall.owner_ref,
                                                StockShortfall.quantity)).all()
    assert shortfalls == [(b.number, 1)]


def test_unpaid_orders_close_after_30_minutes_and_give_their_stock_back(shop, skus, clock):
    who = buyer(shop)
    late = place(shop, who, {skus[0]: 2})
    paid = place(shop, who, {skus[1]: 1})
    _paid(shop, paid.number)
    clock.advance(timedelta(minutes=29))
    assert shop.run_job("close-unpaid-orders") == {"closed": 0, "failed": 0}
    clock.advance(timedelta(minutes=2))
    assert shop.run_job("close-unpaid-orders") == {"closed": 1, "failed": 0}
    assert shop.run_job("close-unpaid-orders") == {"closed": 0, "failed": 0}  # nothing twice
    assert _state(shop, who, late.number) == "closed"
    assert _state(shop, who, paid.number) == "awaiting_shipment"
    assert _level(shop, skus[0]) == (5, 0) and _level(shop, skus[1]) == (4, 0)


def test_an_order_paid_meanwhile_is_not_closed(shop, skus, clock):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1})
    clock.advance(timedelta(minutes=31))
    with shop.transaction(shop.system_actor("close")) as tx:
        due = tx.orders.overdue(10)
    _paid(shop, placed.number)  # the payment lands between the job's read and its close
    with shop.transaction(shop.system_actor("close")) as tx:
        assert due == [placed.number] and not tx.orders.close(placed.number)
    assert _state(shop, who, placed.number) == "awaiting_shipment"


def test_the_address_and_remarks_change_before_shipment(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1})
    with shop.transaction(who.actor) as tx:
        moved = tx.addresses.add({"recipient": "李四", "mobile": "13900139000",
                                  "street": "南京东路 2 号", **SHANGHAI})
        tx.orders.change_delivery(placed.number, {"address": str(moved.id),
                                                  "remarks": "放门卫"})
    with shop.transaction(who.actor, locale="en") as tx:
        order = tx.orders.get(placed.number)
    assert order.delivery.recipient == "李四" and order.remarks == "放门卫"
    assert order.delivery.region_names == ("上海市", "黄浦区")
    assert [s.label for s in order.timeline][-1] == "Delivery details changed"


def test_another_shoppers_address_or_order_is_not_reachable(shop, skus):
    who, other = buyer(shop), buyer(shop)
    placed = place(shop, who, {skus[0]: 1})
    with shop.transaction(other.actor) as tx:
        for attempt in (lambda: tx.orders.get(placed.number),
                        lambda: tx.orders.cancel(placed.number),
                        lambda: tx.orders.change_delivery(placed.number, {"remarks": "x"})):
            with pytest.raises(NotFound):
                attempt()
    with shop.transaction(who.actor) as tx, pytest.raises(Invalid) as refused:
        tx.orders.change_delivery(placed.number, {"address": str(other.address_id)})
    assert set(refused.value.errors) == {"address"}


def test_cash_on_delivery_where_offered_waits_for_shipment_not_payment(shop, skus):
    shop.settings["shop.payment.cod.provinces"] = BEIJING["province"]
    shop.settings["shop.payment.cod.max_amount"] = "100"
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": skus[0], "quantity": "1"})
        assert [m.code for m in tx.checkout.prepare().payment_methods] == ["online", "cod"]
    placed = submit(shop, who, payment_method="cod")
    assert placed.state == "awaiting_shipment" and placed.pay_by is None
    assert _level(shop, skus[0]) == (5, 1)
    with pytest.raises(Invalid) as refused:  # ¥102 + shipping: above what couriers carry
        place(shop, who, {skus[0]: 2}, payment_method="cod")
    assert set(refused.value.errors) == {"payment_method"}
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(placed.number)  # unpaid until delivery: it may be called off
    assert _level(shop, skus[0]) == (5, 0)


def test_shipped_then_signed_for_then_received(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1})
    _paid(shop, placed.number)
    with shop.transaction(who.actor) as tx, pytest.raises(Forbidden):
        tx.orders.ship(placed.number, {"carrier": "SF", "tracking_number": "SF1234567890"})
    with shop.transaction(shop.system_actor("warehouse")) as tx:
        tx.orders.ship(placed.number, {"carrier": "SF", "tracking_number": "SF1234567890"})
    with shop.transaction(who.actor) as tx:
        order = tx.orders.get(placed.number)
        assert order.state == "shipped" and not order.can_change and not order.can_cancel
        with pytest.raises(Conflict):
            tx.orders.change_delivery(placed.number, {"remarks": "too late"})
        [shipment] = order.shipments
    assert (shipment.carrier, shipment.tracking_number) == ("SF", "SF1234567890")
    with shop.transaction(shop.system_actor("hotline")) as tx:
        tx.shipments.add_event(shipment.id, {"status": "delivered", "description": "本人签收"})
    shop.run_job("dispatch-events")
    assert _state(shop, who, placed.number) == "delivered"
    with shop.transaction(who.actor) as tx:
        tx.orders.confirm_receipt(placed.number)
    with shop.transaction(who.actor) as tx:
        assert [s.state for s in tx.orders.get(placed.number).timeline] == [
            "awaiting_payment", "paid", "awaiting_shipment", "shipped", "delivered",
            "completed"]


def test_a_cash_on_delivery_order_takes_its_stock_when_it_ships(shop, skus):
    shop.settings["shop.payment.cod.provinces"] = BEIJING["province"]
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 2}, payment_method="cod")
    with shop.transaction(shop.system_actor("warehouse")) as tx:
        tx.orders.ship(placed.number, {"carrier": "ZTO", "tracking_number": "7312345678901"})
    assert _level(shop, skus[0]) == (3, 0)
    with shop.transaction(who.actor) as tx, pytest.raises(Conflict):
        tx.orders.cancel(placed.number)


def test_one_order_that_fails_to_close_does_not_keep_the_others_open(shop, skus, clock,
                                                                     monkeypatch):
    who = buyer(shop)
    stuck = place(shop, who, {skus[0]: 1})
    late = place(shop, who, {skus[1]: 1})
    clock.advance(timedelta(minutes=31))
    real_close = OrderService.close

    def close(self, number):
        if number == stuck.number:
            raise RuntimeError("the disk is full")
        return real_close(self, number)

    monkeypatch.setattr(OrderService, "close", close)
    assert shop.run_job("close-unpaid-orders") == {"closed": 1, "failed": 1}
    assert _state(shop, who, late.number) == "closed"
    assert _state(shop, who, stuck.number) == "awaiting_payment"


def test_a_shipment_is_recorded_only_for_an_order_that_shipped(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1})
    with shop.transaction(who.actor) as tx:
        order_id = tx._session.scalar(select(Order.id).where(Order.number == placed.number))
    with shop.transaction(shop.system_actor("warehouse")) as tx, pytest.raises(Conflict):
        tx.shipments.record(order_id, "SF", "SF1234567890")


def test_a_new_address_must_be_served_at_the_fee_paid_and_remarks_stay(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1}, shipping_method="economy", remarks="周末送")
    with shop.transaction(who.actor) as tx:
        far = tx.addresses.add({"recipient": "王五", "mobile": "13700137000",
                                "street": "人民路 3 号", **XINJIANG})
        with pytest.raises(Invalid) as refused:
            tx.orders.change_delivery(placed.number, {"address": str(far.id)})
    assert set(refused.value.errors) == {"address"}
    with shop.transaction(who.actor) as tx:
        near = tx.addresses.add({"recipient": "李四", "mobile": "13900139000",
                                 "street": "南京东路 2 号", **SHANGHAI})
        tx.orders.change_delivery(placed.number, {"address": str(near.id)})
        order = tx.orders.get(placed.number)
    assert order.delivery.recipient == "李四" and order.remarks == "周末送"


def test_the_shopper_is_told_when_the_order_is_placed_paid_and_shipped(shop, skus, clock):
    who = buyer(shop)  # an account with an email and no mobile
    placed = place(shop, who, {skus[0]: 1})
    shop.run_job("dispatch-events")
    _paid(shop, placed.number)
    with shop.transaction(shop.system_actor("warehouse")) as tx:
        tx.orders.ship(placed.number, {"carrier": "SF", "tracking_number": "SF1234567890"})
    shop.run_job("dispatch-events")
    shop.run_job("dispatch-events")  # again: each notice is queued once
    with shop.transaction() as tx:
        sent = tx._session.execute(select(OutboxMessage.channel, OutboxMessage.subject,
                                          OutboxMessage.body)
                                   .order_by(OutboxMessage.id)).all()
    assert [(channel, subject) for channel, subject, _ in sent] == [
        ("email", "订单已提交"), ("email", "付款成功"), ("email", "订单已发货")]
    assert placed.number in sent[0][2] and "¥62.00" in sent[0][2] and "请在" in sent[0][2]
    assert placed.number in sent[1][2] and "¥62.00" in sent[1][2]
    assert "顺丰速运" in sent[2][2] and "SF1234567890" in sent[2][2]
