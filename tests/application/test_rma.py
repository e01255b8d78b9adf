"""The service center and the RMA desk: what a shopper may ask and until when, the staff's steps
each done once, the refund exactly a line's share to the right means, the stock coming back."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select, update

from shop.application import Conflict, Forbidden, Invalid, NotFound
from shop.data.models import (
    Category,
    LedgerEntry,
    Order,
    OrderEntry,
    OrderLine,
    Payment,
    Product,
    Shipment,
    Sku,
    StockMovement,
)
from tests import factories
from tests.ordering_support import prepare_shop, sku_codes
from tests.payments_support import assert_books_balance, wallet
from tests.rma_support import PNG, ask, deliver, service_staff, sold, stock_up


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.media.directory": str(tmp_path / "media")}


@pytest.fixture
def skus(shop):
    return stock_up(shop)


def available(shop, sku):
    with shop.transaction(shop.system_actor("tests")) as tx:
        sku_id = tx.inventory._repo.sku_ids_by_code([sku])[sku]
        return tx.inventory.available([sku_id])[sku_id]


def text(message):
    return message.interpolate() if hasattr(message, "interpolate") else str(message)


def test_a_partial_return_of_one_line_refunds_its_share_to_the_balance_and_restocks(
        shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    (total, share), _second = order.money
    assert share > 0  # the coupon's 20.00 is shared over both lines
    stock_before = available(shop, skus[0])
    balance_before, _points, cards_before = wallet(shop, order.who)

    made = ask(shop, order.who, order.number, "return", "no_reason", {order.lines[0]: 1},
               photos=(PNG,))
    assert made.state == "requested"
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number, {"message": "Send it back to our Beijing warehouse"})
        tx.rma.receive(made.number, {"disposition": "restock"})
        refunded = tx.rma.refund(made.number)

    one_unit = ((total - share) / 3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert refunded == one_unit
    balance, _points, cards = wallet(shop, order.who)
    # Back to the balance first (the defined order), never to the gift card here.
    assert balance == balance_before + one_unit
    assert cards == cards_before
    assert available(shop, skus[0]) == stock_before + 1
    with shop.transaction(order.who.actor) as tx:
        seen = tx.rma.get(made.number)
    assert seen.summary.state == "refunded"
    assert seen.summary.refund_total == one_unit
    assert seen.summary.staff_message == "Send it back to our Beijing warehouse"
    assert [step.to_state for step in seen.steps] == ["requested", "approved", "received",
                                                      "refunded"]
    assert len(seen.photos) == 1
    assert_books_balance(shop)

    # The rest of the line, later: the parts add up to what the line was paid, to the fen.
    rest = ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 2})
    with shop.transaction(desk) as tx:
        tx.rma.approve(rest.number)
        tx.rma.receive(rest.number, {"disposition": "write_off"})
        assert tx.rma.refund(rest.number) + one_unit == total - share
    assert available(shop, skus[0]) == stock_before + 1  # written off: not back on sale
    assert_books_balance(shop)


def test_a_refund_request_on_an_unshipped_order_refunds_the_line_and_keeps_the_goods(
        shop, skus):
    order = sold(shop, skus, delivered=False)
    desk = service_staff(shop)
    (_total, _share), (total, share) = order.money
    stock_before = available(shop, skus[1])
    balance_before = wallet(shop, order.who)[0]
    with shop.transaction(order.who.actor) as tx:
        options = tx.rma.options(order.number)
    assert [kind for kind, _label in options.kinds] == ["refund"]
    with pytest.raises(Invalid) as refused:
        ask(shop, order.who, order.number, "return", "unshipped", {order.lines[1]: 1})
    assert "received" in text(refused.value.errors["reason"])

    made = ask(shop, order.who, order.number, "refund", "unshipped", {order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number)
        assert tx.rma.refund(made.number) == total - share
    assert wallet(shop, order.who)[0] == balance_before + total - share
    assert available(shop, skus[1]) == stock_before + 1
    assert_books_balance(shop)


def test_a_no_reason_return_after_seven_days_is_refused_and_says_why(shop, skus, clock):
    order = sold(shop, skus)
    clock.advance(timedelta(days=7, hours=1))
    with pytest.raises(Invalid) as refused:
        ask(shop, order.who, order.number, "return", "no_reason", {order.lines[0]: 1})
    assert "ended 7 days after delivery" in text(refused.value.errors["reason"])
    # A quality problem is still within the 15 days of returns.
    assert ask(shop, order.who, order.number, "return", "quality",
               {order.lines[0]: 1}).state == "requested"
    clock.advance(timedelta(days=8))
    with pytest.raises(Invalid) as refused:
        ask(shop, order.who, order.number, "exchange", "quality", {order.lines[0]: 1})
    assert "ended 15 days after delivery" in text(refused.value.errors["reason"])


def test_a_category_excluded_from_no_reason_returns_is_refused_by_name(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    with shop.transaction(shop.system_actor("tests")) as tx:
        category_id = tx._session.scalar(select(Category.id).where(Category.slug == "shirts"))
    with shop.transaction(desk) as tx:
        tx.rma.save_policy({"category": str(category_id), "no_reason_days": "0",
                            "return_days": "30"})
    with pytest.raises(Invalid) as refused:
        ask(shop, order.who, order.number, "return", "no_reason", {order.lines[0]: 1})
    assert "excluded from no-reason returns" in text(refused.value.errors["reason"])


def test_a_parent_categorys_rule_covers_the_categories_under_it(shop):
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        factories.category(tx, "tees", parent="shirts")
        card = factories.product(tx, "tees", price="40.00", stock=10)
        child = tx._session.scalar(select(Sku.code).where(Sku.product_id == card.id))
        other = sku_codes(tx, stock=10, price="70.00")[0]
        shirts = tx._session.scalar(select(Category.id).where(Category.slug == "shirts"))
    with shop.transaction(service_staff(shop)) as tx:
        tx.rma.save_policy({"category": str(shirts), "no_reason_days": "0",
                            "return_days": "30"})
    order = sold(shop, (child, other))
    with pytest.raises(Invalid) as refused:
        ask(shop, order.who, order.number, "return", "no_reason", {order.lines[0]: 1})
    assert "excluded from no-reason returns" in text(refused.value.errors["reason"])


def test_more_units_than_are_left_on_a_line_are_refused(shop, skus):
    order = sold(shop, skus)
    ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 2})
    with pytest.raises(Invalid) as refused:
        ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 2})
    assert set(refused.value.errors) == {"lines.0.quantity"}


def test_one_shopper_never_sees_anothers_request(shop, skus):
    order = sold(shop, skus)
    other = sold(shop, skus)
    made = ask(shop, order.who, order.number, "return", "no_reason", {order.lines[0]: 1},
               photos=(PNG,))
    with shop.transaction(other.who.actor) as tx:
        with pytest.raises(NotFound):
            tx.rma.get(made.number)
        with pytest.raises(NotFound):
            tx.rma.withdraw(made.number)
        with pytest.raises(NotFound):
            tx.rma.options(order.number)
        assert tx.rma.mine().requests == ()
    with shop.transaction(order.who.actor) as tx:
        detail = tx.rma.get(made.number)
    with shop.transaction(other.who.actor) as tx, pytest.raises(NotFound):
        tx.rma.photo(made.number, detail.photos[0])
    with pytest.raises(NotFound):
        ask(shop, other.who, order.number, "return", "no_reason", {order.lines[0]: 1})


def test_staff_actions_need_the_rma_permission(shop, skus):
    order = sold(shop, skus)
    made = ask(shop, order.who, order.number, "return", "no_reason", {order.lines[0]: 1})
    for role in ("warehouse", "finance", "marketing"):
        outsider = service_staff(shop, role)
        with shop.transaction(outsider) as tx:
            for step in (lambda: tx.rma.approve(made.number),
                         lambda: tx.rma.reject(made.number, {"message": "no"}),
                         lambda: tx.rma.answer_ticket(1, {"answer": "x"}),
                         lambda: tx.rma.save_policy({"category": "1", "no_reason_days": "0",
                                                     "return_days": "0"})):
                with pytest.raises(Forbidden):
                    step()
    with shop.transaction(order.who.actor) as tx, pytest.raises(Forbidden):
        tx.rma.approve(made.number)


def test_a_second_approve_or_refund_is_refused_and_refunds_once(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    made = ask(shop, order.who, order.number, "return", "damaged", {order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number)
    with shop.transaction(desk) as tx, pytest.raises(Conflict):
        tx.rma.approve(made.number)
    with shop.transaction(desk) as tx:
        tx.rma.receive(made.number, {"disposition": "restock"})
        tx.rma.refund(made.number)
    balance = wallet(shop, order.who)[0]
    with shop.transaction(desk) as tx, pytest.raises(Conflict):
        tx.rma.refund(made.number)
    assert wallet(shop, order.who)[0] == balance
    assert_books_balance(shop)


def test_a_rejection_names_why_and_gives_the_units_back(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    made = ask(shop, order.who, order.number, "return", "quality", {order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        with pytest.raises(Invalid):
            tx.rma.reject(made.number, {"message": ""})
        tx.rma.reject(made.number, {"message": "The photo shows no fault"})
    with shop.transaction(order.who.actor) as tx:
        mine = tx.rma.mine().requests
        assert [(r.state, r.staff_message) for r in mine] == [
            ("rejected", "The photo shows no fault")]
        assert tx.rma.options(order.number).lines[1].returnable == 1


def test_an_exchange_sends_the_same_units_again(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    before = available(shop, skus[1])
    made = ask(shop, order.who, order.number, "exchange", "damaged", {order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number)
        with pytest.raises(Conflict):
            tx.rma.refund(made.number)  # an exchange is never refunded
        tx.rma.receive(made.number, {"disposition": "write_off"})
        sent = tx.rma.replace(made.number, {"carrier": "SF", "tracking_number": "SF9876543210"})
    assert available(shop, skus[1]) == before - 1
    with shop.transaction(order.who.actor) as tx:
        detail = tx.rma.get(made.number)
    assert (detail.summary.state, detail.replacement_tracking, detail.replacement_order) == (
        "replaced", "SF9876543210", sent)


def replacements(tx, customer_id):
    """The customer's zero-amount orders (``payment_method`` none) with their entry rows."""
    return tx._session.execute(
        select(Order, OrderEntry).join(OrderEntry, OrderEntry.order_id == Order.id)
        .where(Order.customer_id == customer_id, Order.payment_method == "none")).all()


def test_an_exchange_ships_one_approved_zero_amount_order_and_moves_no_money(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    made = ask(shop, order.who, order.number, "exchange", "damaged",
               {order.lines[0]: 2, order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number)
        tx.rma.receive(made.number, {"disposition": "write_off"})
    before = [available(shop, sku) for sku in skus]
    with shop.transaction(shop.system_actor("tests")) as tx:
        ledger_before = tx._session.scalar(select(func.count()).select_from(LedgerEntry))
        sku_ids = tx.inventory._repo.sku_ids_by_code(list(skus))
        last_movement = tx._session.scalar(select(func.max(StockMovement.id)))

    with shop.transaction(desk) as tx:
        sent = tx.rma.replace(made.number, {"carrier": "SF", "tracking_number": "sf 9876-5432-10",
                                            "message": "A new one is on its way"})
        # A second submission (a double click, a retry) is refused: no second order.
        with pytest.raises(Conflict):
            tx.rma.replace(made.number, {"carrier": "SF", "tracking_number": "SF1111111111"})

    # The units left the warehouse once, by the order's own shipment.
    assert [available(shop, sku) for sku in skus] == [before[0] - 2, before[1] - 1]
    with shop.transaction(shop.system_actor("tests")) as tx:
        [(replacement, entry)] = replacements(tx, order.who.actor.id)
        assert replacement.number == sent
        assert (replacement.state, replacement.approval) == ("shipped", "approved")
        assert replacement.payable == replacement.items_total == Decimal("0.00")
        assert replacement.shipping_fee == Decimal("0.00")
        original = tx._session.scalar(select(Order).where(Order.number == order.number))
        assert (replacement.recipient, replacement.mobile, replacement.province_code,
                replacement.street) == (original.recipient, original.mobile,
                                        original.province_code, original.street)
        lines = tx._session.execute(
            select(OrderLine.sku_code, OrderLine.quantity, OrderLine.unit_price)
            .where(OrderLine.order_id == replacement.id).order_by(OrderLine.sku_code)).all()
        assert sorted((code, quantity, price) for code, quantity, price in lines) == sorted(
            [(skus[0], 2, Decimal("0.00")), (skus[1], 1, Decimal("0.00"))])
        assert (entry.kind, entry.reason, entry.decided_by) == (
            "zero_amount", f"Replacement for after-sales request {made.number}", desk.name)
        assert [(s.carrier, s.tracking_number) for s in tx._session.scalars(
            select(Shipment).where(Shipment.order_id == replacement.id))] == [
            ("SF", "SF9876543210")]
        # Nothing to pay: no payment, and not a fen through the books.
        assert tx._session.scalar(select(func.count()).select_from(Payment)
                                  .where(Payment.order_id == replacement.id)) == 0
        assert tx._session.scalar(select(func.count()).select_from(LedgerEntry)) == ledger_before
        movements = tx._session.execute(
            select(StockMovement.sku_id, StockMovement.delta, StockMovement.reference)
            .where(StockMovement.id > last_movement, StockMovement.delta != 0)).all()
        assert sorted((sku_id, delta) for sku_id, delta, _ref in movements) == sorted(
            [(sku_ids[skus[0]], -2), (sku_ids[skus[1]], -1)])
        assert {ref for _sku, _delta, ref in movements} == {f"order:{sent}"}
        actions = {(e.action, e.entity_id) for e in tx._audit.entries(limit=500)}
    assert {("rma.replace", made.number), ("order.entry.zero_amount", sent),
            ("order.ship", sent)} <= actions
    assert_books_balance(shop)
    with shop.transaction(order.who.actor) as tx:
        assert tx.rma.get(made.number).replacement_order == sent
        assert tx.orders.get(sent).state == "shipped"  # in the shopper's own order center


def test_a_replacement_of_a_product_no_longer_sold_is_still_sent(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    made = ask(shop, order.who, order.number, "exchange", "quality", {order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number)
        tx.rma.receive(made.number, {"disposition": "write_off"})
    with shop.transaction(shop.system_actor("tests")) as tx:
        product_id = tx._session.scalar(select(Sku.product_id).where(Sku.code == skus[1]))
        tx._session.execute(update(Product).where(Product.id == product_id)
                            .values(is_published=False))
    before = available(shop, skus[1])
    with shop.transaction(desk) as tx:
        sent = tx.rma.replace(made.number, {"carrier": "ZTO", "tracking_number": "ZTO12345678"})
    assert available(shop, skus[1]) == before - 1
    with shop.transaction(shop.system_actor("tests")) as tx:
        [(replacement, _entry)] = replacements(tx, order.who.actor.id)
        assert (replacement.number, replacement.state) == (sent, "shipped")


def test_a_replacement_needs_the_rma_permission_and_a_carrier_of_the_shop(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    made = ask(shop, order.who, order.number, "exchange", "damaged", {order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number)
        tx.rma.receive(made.number, {"disposition": "write_off"})
        with pytest.raises(Invalid) as refused:
            tx.rma.replace(made.number, {"carrier": "Pigeon", "tracking_number": "x"})
        assert set(refused.value.errors) == {"carrier", "tracking_number"}
    with shop.transaction(service_staff(shop, "warehouse")) as tx, pytest.raises(Forbidden):
        tx.rma.replace(made.number, {"carrier": "SF", "tracking_number": "SF9876543210"})
    with shop.transaction(shop.system_actor("tests")) as tx:
        assert replacements(tx, order.who.actor.id) == []
        assert tx.rma.get(made.number).summary.state == "received"


def test_photos_are_images_by_their_bytes_and_stored_under_random_names(shop, skus, tmp_path):
    order = sold(shop, skus)
    with pytest.raises(Invalid) as refused:
        ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 1},
            photos=(b"<?php echo 1; ?>",))
    assert set(refused.value.errors) == {"photos"}
    made = ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 1},
               photos=(PNG, b"\xff\xd8\xff\xe0" + b"0" * 20))
    with shop.transaction(order.who.actor) as tx:
        detail = tx.rma.get(made.number)
        path, content_type = tx.rma.photo(made.number, detail.photos[0])
    assert path.read_bytes() == PNG and content_type == "image/png"
    assert path.parent == tmp_path / "media"
    assert detail.photos[1].endswith(".jpg") and len(detail.photos[1]) == 36


def test_withdrawing_and_the_audit_trail(shop, skus):
    order = sold(shop, skus)
    made = ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 1})
    with shop.transaction(order.who.actor) as tx:
        tx.rma.withdraw(made.number)
        with pytest.raises(Conflict):
            tx.rma.withdraw(made.number)
    with shop.transaction(shop.system_actor("tests")) as tx:
        actions = [entry.action for entry in tx._audit.entries(entity_type="rma")]
    assert set(actions) >= {"rma.request", "rma.withdraw"}


def test_suggestions_and_complaints_are_answered_by_staff(shop, skus):
    order = sold(shop, skus, delivered=False)
    desk = service_staff(shop)
    with shop.transaction(order.who.actor) as tx:
        ticket = tx.rma.submit_ticket({"kind": "complaint", "subject": "Slow",
                                       "body": "Not shipped after a week"})
    with shop.transaction(desk) as tx:
        assert [t.id for t in tx.rma.tickets()] == [ticket.id]
        tx.rma.answer_ticket(ticket.id, {"answer": "Sorry, it leaves today"})
        with pytest.raises(Conflict):
            tx.rma.answer_ticket(ticket.id, {"answer": "again"})
    with shop.transaction(order.who.actor) as tx:
        mine = tx.rma.my_tickets()
    assert [(t.state, t.answer) for t in mine] == [("answered", "Sorry, it leaves today")]


def test_deliver_helper_starts_the_clock(shop, skus, clock):
    order = sold(shop, skus, delivered=False)
    clock.advance(timedelta(days=20))
    deliver(shop, order.who, order.number)
    assert ask(shop, order.who, order.number, "return", "no_reason",
               {order.lines[0]: 1}).state == "requested"


def test_the_queue_costs_the_same_queries_however_many_requests(shop, skus, queries):
    order = sold(shop, skus)
    desk = service_staff(shop)

    def counted():
        with shop.transaction(desk) as tx:
            queries.reset()
            page = tx.rma.queue(state="open")
            return len(page.requests), queries.count

    ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 1})
    few = counted()
    for line, quantity in ((order.lines[0], 1), (order.lines[0], 1), (order.lines[1], 1)):
        ask(shop, order.who, order.number, "return", "quality", {line: quantity})
    many = counted()
    assert (few[0], many[0]) == (1, 4)
    assert many[1] == few[1]


def test_a_replacement_out_of_stock_leaves_the_request_as_it_was(shop, skus):
    order = sold(shop, skus)
    desk = service_staff(shop)
    made = ask(shop, order.who, order.number, "exchange", "damaged", {order.lines[1]: 1})
    with shop.transaction(desk) as tx:
        tx.rma.approve(made.number)
        tx.rma.receive(made.number, {"disposition": "write_off"})
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.inventory.adjust(skus[1], -available(shop, skus[1]), "count")
    with shop.transaction(desk) as tx:
        with pytest.raises(Conflict):
            tx.rma.replace(made.number, {"carrier": "SF", "tracking_number": "SF9876543210"})
        # The caller caught it and goes on: the request was not moved, no order was made.
        assert tx.rma.get(made.number).summary.state == "received"
        assert replacements(tx, order.who.actor.id) == []


def test_cash_on_delivery_not_yet_paid_is_cancelled_not_refunded(shop, skus):
    from tests.ordering_support import buyer, place
    shop.settings["shop.payment.cod.provinces"] = "110000"
    who = buyer(shop)
    number = place(shop, who, {skus[0]: 1}, payment_method="cod").number
    with pytest.raises(Invalid) as refused, shop.transaction(who.actor) as tx:
        line = tx.rma.options(number).lines[0].line_id
        tx.rma.request(number, {"kind": "refund", "reason": "unshipped",
                                "lines": [{"line": str(line), "quantity": "1"}]})
    assert "cancel it instead" in text(refused.value.errors["kind"])
