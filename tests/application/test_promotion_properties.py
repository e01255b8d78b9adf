"""Properties of the promotion engine over random carts and random offers of every kind.

Whatever offers staff combine, the engine never takes a line below its floor, never gives
more than the maximum share, never makes the items cost less than nothing, accounts for
every fen, answers the same whatever order the offers come in, and finds the best
combination: no offer left out could have done better. Example counts are bounded so that
the module runs in seconds.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from shop.application.promotions.engine import Cart, price
from shop.application.promotions.explain import refusal
from shop.application.promotions.offers import (
    AmountOff,
    BuyXGetY,
    Combination,
    Context,
    CouponAmount,
    CouponFreeShipping,
    CouponPercent,
    FreeShipping,
    GiftWithPurchase,
    Limits,
    Line,
    NForPrice,
    NthDiscount,
    Offer,
    PercentOff,
    Scope,
    SpecialPrice,
    SpendSave,
    Stacking,
)

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

NOW = datetime(2026, 11, 11, 4, tzinfo=UTC)
SKUS = st.integers(1, 4)
IDS = st.frozensets(st.integers(1, 4), max_size=2)
GROUPS = st.sampled_from(["", "shop", "brand"])
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
percent = st.integers(1, 100).map(Decimal)
threshold = st.decimals(min_value=Decimal(0), max_value=Decimal(500), places=2)


@st.composite
def lines(draw: st.DrawFn) -> list[Line]:
    cart = []
    for index in range(draw(st.integers(1, 6))):
        sku = draw(SKUS)
        unit_price = draw(money)
        floor = draw(st.decimals(min_value=Decimal(0), max_value=unit_price, places=2))
        cart.append(Line(f"line-{index}", sku, sku * 10, draw(st.sampled_from([None, 1, 2])),
                         draw(IDS), unit_price, draw(st.integers(1, 5)), floor))
    return cart


@st.composite
def spend_saves(draw: st.DrawFn) -> SpendSave:
    if draw(st.booleans()):
        every = draw(st.integers(1, 500))
        return SpendSave(((Decimal(every), Decimal(draw(st.integers(1, every)))),), repeat=True)
    spends = sorted(draw(st.sets(st.integers(1, 2000), min_size=1, max_size=3)))
    tiers, saved = [], 0
    for spend in spends:  # each tier saves more than the last, and no more than its spend
        saved = draw(st.integers(saved + 1, spend))
        tiers.append((Decimal(spend), Decimal(saved)))
    return SpendSave(tuple(tiers))


rules = st.one_of(
    spend_saves(),
    st.builds(PercentOff, percent),
    st.builds(AmountOff, money),
    st.dictionaries(SKUS, money, min_size=1, max_size=2).flatmap(lambda prices: st.builds(
        SpecialPrice, st.just(prices),
        st.none() | st.dictionaries(st.sampled_from(sorted(prices)), st.integers(0, 3)))),
    st.builds(BuyXGetY, st.integers(1, 3), st.integers(1, 2), percent),
    st.builds(NForPrice, st.integers(2, 4), money),
    st.builds(NthDiscount, st.integers(2, 3), percent),
    st.builds(GiftWithPurchase, threshold, st.just(99), st.integers(1, 2)),
    st.builds(FreeShipping, threshold),
    st.builds(CouponAmount, money, threshold),
    st.builds(CouponPercent, percent, st.none() | money, threshold),
    st.builds(CouponFreeShipping, threshold),
)


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    excluded = draw(st.frozensets(SKUS, max_size=1))
    if draw(st.booleans()):
        return Scope(excluded_sku_ids=excluded)
    return Scope(False, category_ids=draw(IDS), sku_ids=draw(st.frozensets(SKUS, min_size=1,
                                                                        max_size=2)),
                 excluded_sku_ids=excluded)


@st.composite
def stackings(draw: st.DrawFn) -> Stacking:
    mode = draw(st.sampled_from([Combination.STACKABLE] * 3 + [Combination.GROUP_EXCLUSIVE,
                                                               Combination.EXCLUSIVE]))
    group = draw(GROUPS) or ("shop" if mode is Combination.GROUP_EXCLUSIVE else "")
    return Stacking(mode, group, draw(st.frozensets(GROUPS, max_size=2)), draw(st.integers(0, 2)))


@st.composite
def offer_sets(draw: st.DrawFn) -> list[Offer]:
    offers = []
    for index in range(draw(st.integers(0, 6))):
        rule = draw(rules)
        coupon = isinstance(rule, CouponAmount | CouponPercent | CouponFreeShipping)
        window = draw(st.sampled_from([(None, None)] * 6 + [(NOW - timedelta(days=1), NOW),
                                                            (NOW + timedelta(hours=1), None)]))
        offers.append(Offer(f"offer-{index}", f"Offer {index}", rule, draw(scopes()),
                            draw(stackings()), is_coupon=coupon or not draw(st.integers(0, 4)),
                            starts_at=window[0], ends_at=window[1],
                            uses_left=draw(st.sampled_from([None] * 4 + [1, 0]))))
    return offers


limits = st.builds(Limits, st.none() | st.decimals(min_value=Decimal(0), max_value=Decimal(1),
                                                    places=2))
fees = st.sampled_from([Decimal("0.00"), Decimal("8.00")])
CONTEXT = Context(NOW)


def saving(pricing) -> Decimal:
    return pricing.discount_total + pricing.shipping_saving


@examples(max_examples=200, deadline=None, database=None)
@given(lines(), offer_sets(), limits, fees)
def test_no_line_below_its_floor_and_every_fen_accounted_for(cart, offers, limits, fee):
    pricing = price(cart, offers, CONTEXT, limits, fee)
    assert set(pricing.line_discounts) == {line.key for line in cart}
    for line in cart:
        assert Decimal(0) <= pricing.line_discounts[line.key] <= line.headroom
    assert sum(pricing.line_discounts.values()) == pricing.discount_total
    assert sum(applied.amount for applied in pricing.applied) == pricing.discount_total
    for applied in pricing.applied:
        assert sum(share for _, share in applied.lines) == applied.amount
    assert pricing.items_total - pricing.discount_total >= 0
    if limits.max_share is not None:
        assert pricing.discount_total <= (limits.max_share * pricing.items_total).quantize(
            Decimal("0.01"), rounding=ROUND_DOWN)
    assert pricing.shipping_saving in (Decimal(0), fee)
    assert sum(applied.is_coupon for applied in pricing.applied) <= 1
    applied = {applied.offer_key for applied in pricing.applied}
    skipped = {skip.offer_key for skip in pricing.skipped}
    assert applied.isdisjoint(skipped) and applied | skipped == {offer.key for offer in offers}


@examples(max_examples=150, deadline=None, database=None)
@given(lines(), offer_sets(), limits, fees, st.randoms(use_true_random=False))
def test_the_order_of_offers_and_lines_changes_nothing(cart, offers, limits, fee,
                                                       shuffler: random.Random):
    # One priority for all: ties within a stage are where an input order could leak through.
    offers = [replace(offer, stacking=replace(offer.stacking, priority=0)) for offer in offers]
    shuffled_offers, shuffled_lines = list(offers), list(cart)
    shuffler.shuffle(shuffled_offers)
    shuffler.shuffle(shuffled_lines)
    assert price(shuffled_lines, shuffled_offers, CONTEXT, limits, fee) == price(
        cart, offers, CONTEXT, limits, fee)


@examples(max_examples=100, deadline=None, database=None)
@given(lines(), offer_sets(), limits, fees)
def test_leaving_any_offer_out_never_saves_more(cart, offers, limits, fee):
    best = saving(price(cart, offers, CONTEXT, limits, fee))
    for left_out in range(len(offers)):
        fewer = offers[:left_out] + offers[left_out + 1:]
        assert saving(price(cart, fewer, CONTEXT, limits, fee)) <= best


@examples(max_examples=150, deadline=None, database=None)
@given(lines(), offer_sets(), limits, fees)
def test_the_search_finds_the_best_of_all_combinations(cart, offers, limits, fee):
    """The search cuts branches that cannot win; every combination tried in turn, with no
    search at all, must find nothing better than it did."""
    pricing = price(cart, offers, CONTEXT, limits, fee)
    share_cap = None if limits.max_share is None else (
        limits.max_share * pricing.items_total).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    eligible = [offer for offer in offers if not refusal(offer, cart, CONTEXT)]
    every = Cart(cart, eligible, fee, share_cap)
    positions = range(len(eligible))
    assert saving(pricing) == max(state.discount + state.shipping_saving
                                  for size in range(len(eligible) + 1)
                                  for combination in combinations(positions, size)
                                  for state, _ in [every.run(combination)])
