"""Placing an order: atomic, idempotent, priced once, refused clearly (nothing written) when
anything is wrong."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.application import Conflict, Forbidden, Invalid
from shop.data.models import (
    Category,
    DomainEvent,
    Order,
    OrderInvoice,
    OrderLine,
    OrderTransition,
    StockLevel,
    StockMovement,
    StockReservation,
)
from tests.ordering_support import XINJIANG, buyer, place, prepare_shop, sku_codes, submit


@pytest.fixture
def skus(system):
    prepare_shop(system)
    return sku_codes(system, stock=5, price="50.00", sizes=("s", "m"))


def _count(shop, model):
    with shop.transaction() as tx:
        return tx._session.scalar(select(func.count()).select_from(model))


def _level(shop, sku):
    with shop.transaction() as tx:
        return tx._session.execute(
            select(StockLevel.on_hand, StockLevel.reserved)
            .where(StockLevel.sku_id == tx._stock.repo.sku_ids_by_code([sku])[sku])).one()


def test_an_order_holds_its_lines_amounts_and_stock(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 2, skus[1]: 1}, remarks="  请周末送货 ")
    assert placed.state == "awaiting_payment" and placed.payment_method == "online"
    assert len(placed.number) == 20 and placed.number.isdigit()
    # 50 × 2 + 51 × 1 = 151, below the ¥199 free threshold: express costs ¥12.
    assert placed.payable == Decimal("163.00")
    assert tuple(_level(shop, skus[0])) == (5, 2) and tuple(_level(shop, skus[1])) == (5, 1)
    with shop.transaction(who.actor, locale="en") as tx:
        order = tx.orders.get(placed.number)
        assert tx.cart.view().lines == ()  # what was ordered left the cart
    assert [(i.sku_code, i.quantity, i.unit_price, i.line_total) for i in order.items] == [
        (skus[0], 2, Decimal("50.00"), Decimal("100.00")),
        (skus[1], 1, Decimal("51.00"), Decimal("51.00"))]
    assert order.items[0].variant == "Red / S"
    b = order.breakdown
    assert (b.items_total, b.discount_total, b.shipping_fee, b.covered_total, b.payable) == (
        Decimal("151.00"), Decimal("0.00"), Decimal("12.00"), Decimal("0.00"),
        Decimal("163.00"))
    assert order.remarks == "请周末送货" and order.delivery.recipient == "张三"
    assert [step.state for step in order.timeline] == ["awaiting_payment"]
    assert (order.pay_by - order.placed_at).total_seconds() == 30 * 60
    with shop.transaction() as tx:
        events = tx._session.scalars(select(DomainEvent.name)).all()
    assert "order.placed" in events


def test_the_same_checkout_form_twice_places_one_order(shop, skus):
    who = buyer(shop)
    key = secrets.token_urlsafe(24)
    first = place(shop, who, {skus[0]: 1}, idempotency_key=key)
    again = submit(shop, who, idempotency_key=key)
    assert again.number == first.number
    assert _count(shop, Order) == 1 and tuple(_level(shop, skus[0])) == (5, 1)


def test_sold_out_is_a_clear_conflict_and_nothing_is_written(shop, skus):
    who, other = buyer(shop), buyer(shop)
    place(shop, other, {skus[0]: 4})
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": skus[0], "quantity": "1"})
        tx.cart.add({"sku": skus[1], "quantity": "1"})
    place(shop, other, {skus[0]: 1})  # the last one goes while the first shopper hesitates
    with pytest.raises(Conflict) as refused:
        submit(shop, who)
    said = refused.value.args[0].mapping  # the product and variant, in the shopper's words
    assert said["available"] == 0 and said["variant"] == "红色 / S"
    assert said["name"].startswith("测试商品")
    assert _count(shop, Order) == 2 and _count(shop, OrderLine) == 2
    assert _count(shop, OrderTransition) == 2 and _count(shop, StockReservation) == 2
    assert tuple(_level(shop, skus[1])) == (5, 0)
    with shop.transaction(who.actor) as tx:
        assert len(tx.cart.view().lines) == 2  # the cart is kept to try again


def test_a_refused_order_leaves_nothing_even_when_the_caller_commits(shop, skus):
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": skus[0], "quantity": "5"})
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.inventory.adjust(skus[0], -1, "breakage")
    movements = _count(shop, StockMovement)
    # The caller catches the refusal and commits its unit of work.
    with shop.transaction(who.actor) as tx, pytest.raises(Conflict):
        tx.checkout.place({"idempotency_key": secrets.token_urlsafe(24),
                           "address": str(who.address_id), "shipping_method": "express",
                           "payment_method": "online"})
    assert _count(shop, Order) == 0 and _count(shop, OrderLine) == 0
    assert _count(shop, StockMovement) == movements and tuple(_level(shop, skus[0])) == (4, 0)


@pytest.mark.parametrize(("form", "field"), [
    ({"address": ""}, "address"),
    ({"address": "999999"}, "address"),
    ({"shipping_method": "teleport"}, "shipping_method"),
    ({"payment_method": "iou"}, "payment_method"),
    ({"payment_method": "cod"}, "payment_method"),  # not offered here: no provinces set
    ({"idempotency_key": "short"}, "idempotency_key"),
    ({"remarks": "长" * 201}, "remarks"),
    ({"expected_payable": "1e9"}, "expected_payable"),
])
def test_bad_choices_are_refused_naming_the_field(shop, skus, form, field):
    who = buyer(shop)
    with pytest.raises(Invalid) as refused:
        place(shop, who, {skus[0]: 1}, **form)
    assert field in refused.value.errors
    assert _count(shop, Order) == 0 and tuple(_level(shop, skus[0])) == (5, 0)


def test_another_shoppers_address_is_not_a_choice(shop, skus):
    who, other = buyer(shop), buyer(shop)
    with pytest.raises(Invalid) as refused:
        place(shop, who, {skus[0]: 1}, address=str(other.address_id))
    assert set(refused.value.errors) == {"address"}


def test_a_region_the_method_does_not_serve_is_refused(shop, skus):
    far = buyer(shop, XINJIANG)
    with pytest.raises(Invalid) as refused:
        place(shop, far, {skus[0]: 1}, shipping_method="economy")
    assert set(refused.value.errors) == {"shipping_method"}


def test_an_empty_selection_is_refused(shop, skus):
    who = buyer(shop)
    with pytest.raises(Invalid) as refused:
        submit(shop, who)
    assert set(refused.value.errors) == {"items"}


def test_a_changed_amount_is_refused_with_the_new_one(shop, skus):
    who = buyer(shop)
    with pytest.raises(Conflict):
        place(shop, who, {skus[0]: 1}, expected_payable="50.00")  # ¥62 with shipping
    assert _count(shop, Order) == 0
    assert submit(shop, who, expected_payable="62.00").payable == Decimal("62.00")


def test_only_a_signed_in_shopper_checks_out(shop, skus):
    with shop.transaction() as tx, pytest.raises(Forbidden):
        tx.checkout.prepare()
    with shop.transaction(shop.system_actor("tests")) as tx, pytest.raises(Forbidden):
        tx.checkout.place({})


def test_a_company_invoice_is_stored_for_finance(shop, skus):
    who = buyer(shop)
    placed = place(shop, who, {skus[0]: 1}, invoice={
        "kind": "plain", "title_kind": "company", "title": "某某科技有限公司",
        "tax_code": "91350100M000100Y43"})
    with shop.transaction(who.actor) as tx:
        invoice = tx.orders.get(placed.number).invoice
    assert (invoice.kind, invoice.title_kind, invoice.title, invoice.tax_code) == (
        "plain", "company", "某某科技有限公司", "91350100M000100Y43")
    assert _count(shop, OrderInvoice) == 1


def test_a_bad_credit_code_refuses_the_order(shop, skus):
    who = buyer(shop)
    with pytest.raises(Invalid) as refused:
        place(shop, who, {skus[0]: 1}, invoice={
            "kind": "plain", "title_kind": "company", "title": "某某科技有限公司",
            "tax_code": "91350100M000100Y44"})
    assert any("tax_code" in key for key in refused.value.errors)
    assert _count(shop, Order) == 0


def test_the_checkout_page_preselects_the_cheapest_method_and_says_what_is_short(shop, skus):
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": skus[0], "quantity": "3"})
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.inventory.adjust(skus[0], -3, "count")
    with shop.transaction(who.actor, locale="en") as tx:
        page = tx.checkout.prepare()
    assert [(s.code, s.fee) for s in page.shipping] == [("economy", Decimal("8.00")),
                                                        ("express", Decimal("12.00"))]
    assert page.shipping_method == "economy" and page.address_id == who.address_id
    assert page.items[0].short and not page.can_place
    assert page.breakdown.payable == Decimal("158.00")
    assert [m.code for m in page.payment_methods] == ["online"]


def test_a_key_with_a_trailing_newline_is_not_a_key(shop, skus):
    who = buyer(shop)
    with pytest.raises(Invalid) as refused:
        place(shop, who, {skus[0]: 1}, idempotency_key="a" * 64 + "\n")
    assert set(refused.value.errors) == {"idempotency_key"}


def test_a_title_to_keep_is_kept_only_with_the_order(shop, skus):
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": skus[0], "quantity": "5"})
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.inventory.adjust(skus[0], -3, "count")
    with pytest.raises(Conflict):
        submit(shop, who, invoice={"kind": "plain", "title_kind": "personal", "title": "张三",
                                   "remember": "true"})
    with shop.transaction(who.actor) as tx:
        assert tx.invoices.titles() == []


def test_an_order_too_large_to_hold_is_refused_on_the_items(shop, system):
    prepare_shop(system)
    [sku] = sku_codes(system, price="600000000000.00")
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": sku, "quantity": "2"})
    with shop.transaction(who.actor) as tx, pytest.raises(Invalid) as refused:
        tx.checkout.prepare()
    assert set(refused.value.errors) == {"items"}
    with pytest.raises(Invalid) as refused:
        submit(shop, who)
    assert set(refused.value.errors) == {"items"}


def test_a_drawn_number_already_taken_is_drawn_again(shop, skus, monkeypatch):
    who = buyer(shop)
    first = place(shop, who, {skus[0]: 1})
    draws = iter([first.number, "20261201000000000042"])
    monkeypatch.setattr("shop.application.ordering.checkout.draw_order_number",
                        lambda now, zone: next(draws))
    second = place(shop, who, {skus[1]: 1})
    assert second.number == "20261201000000000042"
    assert _count(shop, Order) == 2


@pytest.mark.parametrize("form", [
    {"invoice": "x"}, {"invoice": ["kind"]}, {"address": [1]}, {"expected_payable": "1e400"},
    {"remarks": 5}, {"shipping_method": None}, {"invoice": {"kind": "vat", "tax_code": "\x00"}},
    {"idempotency_key": {"a": 1}},
])
def test_what_a_careless_integrator_sends_is_refused_not_a_crash(shop, skus, form):
    who = buyer(shop)
    with pytest.raises(Invalid):
        place(shop, who, {skus[0]: 1}, **form)
    assert _count(shop, Order) == 0


def test_an_item_whose_category_staff_hid_is_no_longer_sold_from_the_cart(shop, system):
    prepare_shop(system)
    [sku] = sku_codes(system)
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": sku, "quantity": "1"})
    system.categories.hide(system._session.scalar(
        select(Category.id).where(Category.slug == "shirts")))
    with shop.transaction(who.actor) as tx:
        assert tx.checkout.prepare().items[0].available == 0
    with pytest.raises(Conflict):
        submit(shop, who)
