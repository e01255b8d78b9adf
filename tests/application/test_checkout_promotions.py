"""Campaigns and coupons at checkout: the page shows what applied, what nearly did and which
coupon saves most; the order keeps each line's share of the discount; every limited thing is
claimed when the order is placed and given back when it is called off."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from shop.application import Conflict, Invalid, Shop
from shop.application.security.throttle import Throttled
from shop.data.models import Coupon, DiscountUse, FlashSaleItem, Order, OrderLine, Promotion, Sku
from tests.coupons_support import MARKETER, grant, new_template
from tests.ordering_support import Buyer, buyer, place, prepare_shop, sku_codes


@pytest.fixture
def stocked(shop: Shop) -> dict[str, str]:
    """Two SKUs at ¥100 (one flash-sold below) and one at ¥150, 20 of each."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        a = sku_codes(tx, price="100.00", stock=20)[0]
        b = sku_codes(tx, price="150.00", stock=20)[0]
        flash = sku_codes(tx, price="100.00", stock=20)[0]
    return {"a": a, "b": b, "flash": flash}


def start(shop: Shop, clock: Any, code: str, kind: str, rule: dict[str, Any],
          **fields: Any) -> int:
    now = clock.now()
    with shop.transaction(MARKETER) as tx:
        return tx.promotions.create({
            "code": code, "name_zh": code, "name_en": code, "kind": kind, "rule": rule,
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=3)).isoformat(), **fields})


def prepared(shop: Shop, who: Buyer, lines: dict[str, int], **choice: Any) -> Any:
    with shop.transaction(who.actor) as tx:
        for sku, quantity in lines.items():
            tx.cart.add({"sku": sku, "quantity": str(quantity)})
        return tx.checkout.prepare(choice)


def place_as_shown(shop: Shop, who: Buyer, view: Any, **form: Any) -> Any:
    """Place the order the checkout page showed: its shipping method and payable."""
    return place(shop, who, {}, shipping_method=view.shipping_method,
                 expected_payable=str(view.breakdown.payable), **form)


def order_row(shop: Shop, number: str) -> tuple[Any, list[Any]]:
    with shop.transaction(shop.system_actor("tests")) as tx:
        order = tx._session.scalar(select(Order).where(Order.number == number))
        lines = list(tx._session.scalars(select(OrderLine).where(
            OrderLine.order_id == order.id).order_by(OrderLine.position)))
        tx._session.expunge_all()
        return order, lines


def test_a_tiered_spend_and_save_takes_its_best_tier_and_shares_it_over_the_lines(
        shop, clock, stocked):
    start(shop, clock, "tiers", "spend_save", {"tiers": "200:20, 500:60"})
    who = buyer(shop)
    view = prepared(shop, who, {stocked["a"]: 1, stocked["b"]: 1})
    assert view.breakdown.discount_total == Decimal("20.00")
    assert [a.name for a in view.promotions.applied] == ["tiers"]
    assert [str(m) for m in view.promotions.hints]  # the ¥500 tier is ¥250 away
    placed = place_as_shown(shop, who, view)
    order, lines = order_row(shop, placed.number)
    assert order.discount_total == Decimal("20.00")
    # ¥20 over ¥100 and ¥150: 8 and 12, to the fen, adding up.
    assert [line.discount_share for line in lines] == [Decimal("8.00"), Decimal("12.00")]
    with shop.transaction(shop.system_actor("tests")) as tx:
        use = tx._session.scalar(select(DiscountUse))
        assert (use.amount, use.returned_at) == (Decimal("20.00"), None)
        assert tx._session.scalar(select(Promotion.used_count)) == 1
    with shop.transaction(who.actor) as tx:
        assert [(a.name, a.amount) for a in tx.orders.get(placed.number).promotions] == [
            ("tiers", Decimal("20.00"))]


def test_an_exclusive_flash_sale_keeps_its_line_from_the_spend_and_save(shop, clock, stocked):
    start(shop, clock, "tiers", "spend_save", {"tiers": "200:20, 500:60"})
    start(shop, clock, "flash", "flash_sale", {"items": f"{stocked['flash']}:50.00:10"},
          stacking={"mode": "exclusive", "priority": "100"}, per_customer_limit="1")
    who = buyer(shop)
    view = prepared(shop, who, {stocked["a"]: 1, stocked["b"]: 1, stocked["flash"]: 1})
    applied = {a.name: a.amount for a in view.promotions.applied}
    # The flash line is ¥50 off and out of the spend-and-save, which sees ¥250: ¥20 off.
    assert applied == {"flash": Decimal("50.00"), "tiers": Decimal("20.00")}
    shares = {item.sku_code: item.discount_share for item in view.items}
    assert shares[stocked["flash"]] == Decimal("50.00")
    assert view.breakdown.discount_total == Decimal("70.00")
    placed = place_as_shown(shop, who, view)
    with shop.transaction(shop.system_actor("tests")) as tx:
        assert tx._session.scalar(select(FlashSaleItem.sold)) == 1
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(placed.number)
    with shop.transaction(shop.system_actor("tests")) as tx:
        assert tx._session.scalar(select(FlashSaleItem.sold)) == 0
        assert tx._session.scalar(select(Promotion.used_count)
                                  .where(Promotion.code == "flash")) == 0
        assert all(use.returned_at is not None
                   for use in tx._session.scalars(select(DiscountUse)))


def test_a_flash_sale_limit_per_shopper_prices_the_second_at_the_normal_price(
        shop, clock, stocked):
    start(shop, clock, "flash", "flash_sale", {"items": f"{stocked['flash']}:50.00:10"},
          per_customer_limit="1")
    who = buyer(shop)
    view = prepared(shop, who, {stocked["flash"]: 2})
    assert view.breakdown.discount_total == Decimal("50.00")  # one unit at the flash price
    place_as_shown(shop, who, view)
    again = prepared(shop, who, {stocked["flash"]: 1})
    assert again.breakdown.discount_total == Decimal("0.00")


def test_an_order_refused_when_the_flash_quota_ran_out_since_the_page_was_shown(
        shop, clock, stocked):
    start(shop, clock, "flash", "flash_sale", {"items": f"{stocked['flash']}:50.00:1"})
    first, second = buyer(shop), buyer(shop)
    shown = prepared(shop, second, {stocked["flash"]: 1})
    assert shown.breakdown.discount_total == Decimal("50.00")
    place(shop, first, {stocked["flash"]: 1})
    with pytest.raises(Conflict):
        place_as_shown(shop, second, shown)
    with shop.transaction(shop.system_actor("tests")) as tx:
        assert tx._session.scalar(select(FlashSaleItem.sold)) == 1


def test_the_best_coupon_is_chosen_used_once_and_given_back_on_cancel(shop, clock, stocked):
    twenty = new_template(shop)                                  # ¥20 off ¥100
    thirty = new_template(shop, name_zh="满300减30", amount="30.00", min_spend="300.00")
    who = buyer(shop)
    grant(shop, twenty.id, who.actor)
    grant(shop, thirty.id, who.actor)
    view = prepared(shop, who, {stocked["a"]: 2})
    assert view.breakdown.discount_total == Decimal("20.00")
    savings = {c.label: c.saving for c in view.coupons}
    assert savings == {"满100减20": Decimal("20.00"), "满300减30": None}  # ¥200: not reached
    assert view.coupon
    placed = place_as_shown(shop, who, view, coupon=view.coupon)
    with shop.transaction(shop.system_actor("tests")) as tx:
        used = tx._session.scalar(select(Coupon).where(Coupon.template_id == twenty.id))
        assert used.state == "used"
    # The same coupon is gone for the next order: chosen explicitly, it is refused.
    with pytest.raises(Invalid) as refused:
        place(shop, who, {stocked["a"]: 1}, coupon=view.coupon)
    assert "coupon" in refused.value.errors
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(placed.number)
    with shop.transaction(shop.system_actor("tests")) as tx:
        back = tx._session.scalar(select(Coupon).where(Coupon.template_id == twenty.id))
        assert (back.state, back.order_id) == ("usable", None)


def test_no_coupon_unless_the_order_names_one(shop, clock, stocked):
    template = new_template(shop)
    who = buyer(shop)
    grant(shop, template.id, who.actor)
    placed = place(shop, who, {stocked["a"]: 2})
    order, _lines = order_row(shop, placed.number)
    assert order.discount_total == Decimal("0.00")


def test_a_public_code_typed_at_checkout(shop, clock, stocked):
    new_template(shop, public_code="WELCOME10", amount="10.00", min_spend="0.00")
    who = buyer(shop)
    view = prepared(shop, who, {stocked["a"]: 1}, coupon_code="welcome10")
    assert view.breakdown.discount_total == Decimal("10.00")
    place_as_shown(shop, who, view, coupon_code="WELCOME10")
    # Used already: refused at its field, and never counted as a guess (it is no secret).
    for _attempt in range(21):
        with pytest.raises(Invalid) as again:
            prepared(shop, who, {stocked["a"]: 1} if not _attempt else {},
                     coupon_code="WELCOME10")
        assert "coupon_code" in again.value.errors


def test_the_maximum_share_caps_stacked_campaigns_at_checkout(shop, clock, stocked):
    start(shop, clock, "half", "percent_off", {"percent": "50"},
          stacking={"group": "price"})
    start(shop, clock, "tiers", "spend_save", {"tiers": "100:40"},
          stacking={"group": "order"})
    who = buyer(shop)
    view = prepared(shop, who, {stocked["b"]: 2})  # ¥300: ¥150 off, then ¥40 off ¥150
    # 80% of ¥300 is ¥240: the ¥190 they give together stays under it.
    assert view.breakdown.discount_total == Decimal("190.00")
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx._session.execute(update(Sku).where(Sku.code == stocked["b"]).values(
            floor_price=Decimal("90.00")))
    floored = prepared(shop, who, {})
    # A ¥90 floor per unit: at most ¥60 off each of the two.
    assert floored.breakdown.discount_total == Decimal("120.00")


def test_a_free_shipping_campaign_zeroes_the_fee_and_says_so(shop, clock, stocked):
    start(shop, clock, "ship", "free_shipping", {"threshold": "50.00"})
    who = buyer(shop)
    view = prepared(shop, who, {stocked["a"]: 1}, shipping_method="economy")
    assert view.breakdown.shipping_fee == Decimal("0.00")
    assert [(a.name, a.free_shipping) for a in view.promotions.applied] == [("ship", True)]


def test_a_new_customer_price_stops_after_the_first_order(shop, clock, stocked):
    start(shop, clock, "newcomer", "special_price", {"items": f"{stocked['a']}:79.00"},
          member_groups="new")
    who = buyer(shop)
    first = prepared(shop, who, {stocked["a"]: 1})
    assert first.breakdown.discount_total == Decimal("21.00")
    place_as_shown(shop, who, first)
    later = prepared(shop, who, {stocked["a"]: 1})
    assert later.breakdown.discount_total == Decimal("0.00")


def test_a_gift_with_purchase_comes_as_a_free_line_holding_its_stock(shop, clock, stocked):
    with shop.transaction(shop.system_actor("tests")) as tx:
        gift = sku_codes(tx, price="30.00", stock=1)[0]
    start(shop, clock, "gift", "gift", {"threshold": "150.00", "gift_sku": gift})
    who = buyer(shop)
    view = prepared(shop, who, {stocked["b"]: 1})
    assert len(view.promotions.gifts) == 1
    placed = place_as_shown(shop, who, view)
    order, lines = order_row(shop, placed.number)
    assert [(line.sku_code, line.unit_price, line.line_total) for line in lines] == [
        (stocked["b"], Decimal("150.00"), Decimal("150.00")),
        (gift, Decimal("0.00"), Decimal("0.00"))]
    assert order.items_total == Decimal("150.00")
    # The only one left went with that order: the next one gets none, and is not refused.
    other = buyer(shop)
    again = prepared(shop, other, {stocked["b"]: 1})
    placed = place_as_shown(shop, other, again)
    assert [line.sku_code for line in order_row(shop, placed.number)[1]] == [stocked["b"]]


def test_the_twenty_first_wrong_code_at_checkout_is_refused_for_a_while(shop, clock, stocked):
    new_template(shop, public_code="REALCODE", amount="10.00", min_spend="0.00")
    who = buyer(shop)
    prepared(shop, who, {stocked["a"]: 1})
    for n in range(20):
        with pytest.raises(Invalid):
            prepared(shop, who, {}, coupon_code=f"GUESS{n:04d}")
    with pytest.raises(Throttled):
        prepared(shop, who, {}, coupon_code="REALCODE")  # even the right one, for a while
    clock.advance(timedelta(hours=1, minutes=1))
    assert prepared(shop, who, {}, coupon_code="REALCODE").breakdown.discount_total == \
        Decimal("10.00")


def test_a_campaign_for_phones_applies_where_the_visitor_shops_from_a_phone(shop, clock,
                                                                            stocked):
    start(shop, clock, "phone-only", "amount_off", {"amount": "10.00"}, channels="mobile app")
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": stocked["a"], "quantity": "1"})
    for channel, discount in (("web", "0.00"), ("mobile", "10.00"), ("app", "10.00"),
                              ("mini_program", "0.00")):
        with shop.transaction(who.actor, channel=channel) as tx:
            assert tx.checkout.prepare().breakdown.discount_total == Decimal(discount), channel
    with pytest.raises(Invalid) as unknown, shop.transaction(who.actor, channel="tv"):
        pass
    assert "channel" in unknown.value.errors
