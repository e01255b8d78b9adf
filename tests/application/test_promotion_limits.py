"""Limits that must hold on every path an order takes: a campaign's total uses read fresh, not
from the cached campaign; a revived order (a late payment) taking its discounts back only
within the shopper's limits; a gift left out taking nothing; a coupon booked only onto the
shopper's own order it priced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.application import Forbidden, Invalid
from shop.application.payments.gateways.port import HttpRequest
from shop.data.models import DiscountUse, OrderLine, Promotion
from tests.application.test_checkout_promotions import place_as_shown, prepared, start
from tests.coupons_support import MARKETER, grant, new_template, orders, shoppers
from tests.gateway_support import install
from tests.ordering_support import buyer, place, prepare_shop, sku_codes
from tests.payments_support import order_state, pay


@pytest.fixture
def sku(system) -> str:
    prepare_shop(system)
    return sku_codes(system, price="100.00", stock=20)[0]


@pytest.fixture
def gateways(shop, clock, gateway_keys):
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    return install(shop, clock, gateway_keys)


def test_a_campaign_used_up_is_no_longer_offered_and_the_next_order_goes_through(
        shop, clock, sku):
    start(shop, clock, "only-one", "amount_off", {"amount": "10.00"}, total_limit="1")
    first, second = buyer(shop), buyer(shop)
    place_as_shown(shop, first, prepared(shop, first, {sku: 1}))
    view = prepared(shop, second, {sku: 1})
    assert view.breakdown.discount_total == Decimal("0.00")
    assert place_as_shown(shop, second, view).payable == view.breakdown.payable


def _paid_late(shop, clock, gateways, who, sku):
    """An order paid at the gateway whose notice comes after the close job closed it (its
    discounts given back), while the shopper orders again; then the notice."""
    first = place(shop, who, {sku: 1})
    payment = pay(shop, who, first.number, gateway="alipay").payment_number
    gateways.open_cashier(who.actor, payment)
    gateways.simulators["alipay"].pay(payment)
    clock.advance(timedelta(hours=1))
    shop.run_job("close-unpaid-orders")
    place(shop, who, {sku: 1})
    gateways.outbox.clear()
    headers, body = gateways.simulators["alipay"].notification(payment)
    with shop.transaction() as tx:
        tx.payments.notify("alipay", HttpRequest(headers, body))
    return first


def _kept(shop, who) -> tuple[int, int]:
    """Orders keeping a campaign discount, and flash units kept, for the shopper."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        kept = select(DiscountUse).where(DiscountUse.customer_id == who.actor.id,
                                         DiscountUse.promotion_id.is_not(None),
                                         DiscountUse.returned_at.is_(None)).subquery()
        return (tx._session.scalar(select(func.count(func.distinct(kept.c.order_id)))),
                tx._session.scalar(select(func.coalesce(func.sum(kept.c.units), 0))))


@pytest.mark.parametrize(("kind", "rule", "fields"), [
    ("amount_off", {"amount": "30.00"}, {"per_customer_limit": "1"}),
    ("flash_sale", {"items": "{sku}:50.00:10"}, {"per_customer_limit": "1"}),
    ("special_price", {"items": "{sku}:79.00"}, {"member_groups": "new"}),
])
def test_a_late_payment_never_revives_an_order_past_the_shoppers_limit(
        shop, clock, gateways, sku, kind, rule, fields):
    start(shop, clock, "once", kind, {k: v.format(sku=sku) for k, v in rule.items()}, **fields)
    who = buyer(shop)
    first = _paid_late(shop, clock, gateways, who, sku)
    # The second order holds the shopper's one use: the first is refunded, not revived.
    assert order_state(shop, who, first.number) == "closed"
    orders_kept, units = _kept(shop, who)
    assert orders_kept == 1 and units <= 1


def test_a_late_payment_revives_an_order_whose_discounts_are_still_to_be_had(
        shop, clock, gateways, sku):
    start(shop, clock, "twice", "amount_off", {"amount": "30.00"}, per_customer_limit="2")
    who = buyer(shop)
    first = _paid_late(shop, clock, gateways, who, sku)
    assert order_state(shop, who, first.number) == "awaiting_shipment"
    assert _kept(shop, who)[0] == 2


def test_a_gift_sku_bought_to_its_last_unit_leaves_the_gift_out(shop, clock, system):
    prepare_shop(system)
    big = sku_codes(system, price="150.00", stock=20)[0]
    gift = sku_codes(system, price="30.00", stock=1)[0]
    start(shop, clock, "gift", "gift", {"threshold": "150.00", "gift_sku": gift},
          total_limit="5")
    who = buyer(shop)
    view = prepared(shop, who, {big: 1, gift: 1})
    assert view.promotions.gifts == () and view.promotions.applied == ()
    placed = place_as_shown(shop, who, view)
    with shop.transaction(shop.system_actor("tests")) as tx:
        lines = list(tx._session.scalars(select(OrderLine.unit_price)))
        # No gift line, and the campaign's use is not spent on a gift never given.
        assert sorted(lines) == [Decimal("30.00"), Decimal("150.00")], placed
        assert tx._session.scalar(select(Promotion.used_count)) == 0
        assert tx._session.scalar(select(func.count()).select_from(DiscountUse)) == 0


def test_a_flash_quota_out_of_range_is_named(shop, clock, sku):
    with pytest.raises(Invalid) as refused:
        start(shop, clock, "flash", "flash_sale", {"items": f"{sku}:50.00:99999999999999"})
    assert "rule.items" in refused.value.errors


def test_a_coupon_is_never_booked_onto_anothers_order_or_for_more_than_it_took(shop):
    template = new_template(shop)
    mallory, victim = shoppers(shop, 2)
    grant(shop, template.id, mallory)
    [victims] = orders(shop, victim)
    [own] = orders(shop, mallory)
    with shop.transaction(mallory) as tx:
        mine = tx.coupons.usable_for_checkout(mallory.id)[0]
    for order_id, amount in ((victims, "20.00"), (own, "99999.99")):
        with shop.transaction(mallory) as tx, pytest.raises(Forbidden):
            tx.coupons.redeem(mine, mallory.id, order_id, amount)
    with shop.transaction(MARKETER) as tx:
        assert tx.coupons.report(template.id).discount_given == Decimal("0.00")
