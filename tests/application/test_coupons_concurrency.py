"""Coupons taken by racing transactions, each committed on its own connection: a template's
total and a shopper's claim limit are never passed, a coupon is used by one order, a public code
once per shopper — and every loser is refused with a ``Conflict``, never a server error.

Scaled down for the suite's time: a total of 50 raced by 100 claimers stands for 1,000 raced by
2,000 (the same single conditional UPDATE decides either)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from shop.application import Conflict
from shop.data.models import Coupon, DiscountUse
from tests.concurrency import at_once, committed, postgresql_only
from tests.coupons_support import grant, new_template, orders, shoppers

__all__ = ["committed"]  # the fixture, for pytest

TOTAL, CLAIMERS = 50, 100


def _claim(shop, who, template_id):
    def claim(n: int) -> str:
        try:
            with shop.transaction(who[n] if isinstance(who, list) else who) as tx:
                tx.coupons.claim(template_id)
        except Conflict:
            return "refused"
        return "claimed"

    return claim


def _counted(shop, template_id):
    """(coupons that exist, the template's issued count)."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        coupons = tx._session.scalar(select(func.count()).select_from(Coupon)
                                     .where(Coupon.template_id == template_id))
        return coupons, tx.coupons.template(template_id).issued_count


@postgresql_only
def test_a_hundred_claimers_of_fifty_coupons_claim_fifty(committed):
    template = new_template(committed, claimable=True, total_quantity=TOTAL)
    claimers = shoppers(committed, CLAIMERS)
    outcomes = at_once(CLAIMERS, _claim(committed, claimers, template.id))
    assert outcomes == Counter({"claimed": TOTAL, "refused": CLAIMERS - TOTAL})
    assert _counted(committed, template.id) == (TOTAL, TOTAL)


@postgresql_only
def test_one_shoppers_racing_claims_keep_their_limit(committed):
    template = new_template(committed, claimable=True, per_customer_limit=2)
    [who] = shoppers(committed, 1)
    claimed = 0
    for _ in range(3):  # the limit is reached, then refused
        outcomes = at_once(20, _claim(committed, who, template.id))
        claimed += outcomes["claimed"]
        assert set(outcomes) <= {"claimed", "refused"}
    assert claimed == 2
    assert _counted(committed, template.id) == (2, 2)  # no loser's count survived


def _redeem(shop, who, offer, order_ids):
    def redeem(n: int) -> str:
        try:
            with shop.transaction(who) as tx:
                tx.coupons.redeem(offer, who.id, order_ids[n], "20.00")
        except Conflict:
            return "refused"
        return "used"

    return redeem


def _uses(shop):
    with shop.transaction(shop.system_actor("tests")) as tx:
        return tx._session.scalar(select(func.count()).select_from(DiscountUse))


@postgresql_only
def test_a_hundred_orders_redeeming_one_coupon_use_it_once(committed):
    template = new_template(committed)
    [who] = shoppers(committed, 1)
    grant(committed, template.id, who)
    with committed.transaction(who) as tx:
        [offer] = tx.coupons.usable_for_checkout(who.id)
    order_ids = orders(committed, who, 100)
    assert at_once(100, _redeem(committed, who, offer, order_ids)) == Counter(
        {"used": 1, "refused": 99})
    assert _uses(committed) == 1


@postgresql_only
def test_twenty_orders_of_one_shopper_redeeming_a_public_code_use_it_once(committed):
    new_template(committed, public_code="ONCE2026")
    [who] = shoppers(committed, 1)
    with committed.transaction(who) as tx:
        offer = tx.coupons.find_public("once2026", who.id)
    order_ids = orders(committed, who, 20)
    assert at_once(20, _redeem(committed, who, offer, order_ids)) == Counter(
        {"used": 1, "refused": 19})
    assert _uses(committed) == 1
