"""The promotion engine on carts small enough to check by hand: every rule kind, how offers
combine (exclusive, per group, ``stacks_with``, one coupon), the guard rails (floors, the
maximum share) and the reasons given for every offer that did not apply."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from shop.application.ordering.pricing import share_out_capped
from shop.application.promotions.engine import price
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
from shop.application.promotions.results import Gift

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

NOW = datetime(2026, 11, 11, 0, 30, tzinfo=UTC)
D = Decimal


def line(key: str, unit_price: str, quantity: int = 1, *, sku: int = 0, floor: str = "0",
         categories: frozenset[int] = frozenset(), brand: int | None = None) -> Line:
    sku = sku or ord(key[0])
    return Line(key, sku, sku * 10, brand, categories, D(unit_price), quantity, D(floor))


def offer(key: str, rule, **fields) -> Offer:
    return Offer(key, fields.pop("name", key), rule, **fields)


def tiers(*pairs: tuple[int, int]) -> SpendSave:
    return SpendSave(tuple((D(spend), D(save)) for spend, save in pairs))


def priced(lines, offers, limits=None, fee="0", context=None):
    return price(lines, offers, context or Context(NOW), limits or Limits(), D(fee))


def discounts(pricing) -> dict[str, Decimal]:
    return {key: amount for key, amount in pricing.line_discounts.items() if amount}


def reasons(pricing) -> dict[str, str]:
    return {skip.offer_key: skip.reason for skip in pricing.skipped}


# Each rule kind.

def test_spend_save_gives_the_best_tier_reached_spread_over_its_lines():
    pricing = priced([line("a", "300.00"), line("b", "150.00", 2)],
                     [offer("mj", tiers((200, 20), (500, 60)))])
    assert pricing.discount_total == D("60.00")
    assert discounts(pricing) == {"a": D("30.00"), "b": D("30.00")}
    assert pricing.near_misses == ()


def test_spend_save_that_repeats_counts_each_whole_hundred_and_names_the_next():
    pricing = priced([line("a", "250.00")],
                     [offer("every", SpendSave(((D(100), D(10)),), repeat=True))])
    assert pricing.discount_total == D("20.00")
    miss, = pricing.near_misses
    assert (miss.short_by, miss.saving) == (D("50.00"), D("30.00"))
    assert miss.message.mapping == {"short": "50.00", "saving": "30.00"}


def test_percent_off_is_rounded_once_for_the_line_not_per_unit():
    pricing = priced([line("a", "9.99", 3)], [offer("pct", PercentOff(D(20)))])
    assert pricing.discount_total == D("5.99")  # 20% of 29.97 = 5.994, not 3 × 2.00


def test_amount_off_takes_from_each_unit_but_never_below_zero():
    pricing = priced([line("a", "3.00", 2), line("b", "10.00")], [offer("cut", AmountOff(D(5)))])
    assert discounts(pricing) == {"a": D("6.00"), "b": D("5.00")}


def test_a_special_price_covers_only_the_units_left_in_its_quota():
    pricing = priced([line("a", "100.00", 3, sku=1)],
                     [offer("flash", SpecialPrice({1: D("80.00")}, {1: 2}))])
    assert pricing.discount_total == D("40.00")


def test_buy_two_get_one_gives_the_cheapest_unit():
    pricing = priced([line("a", "100.00", 2), line("b", "30.00"), line("c", "50.00")],
                     [offer("b2g1", BuyXGetY(2, 1))])
    assert discounts(pricing) == {"b": D("30.00")}


def test_n_for_a_price_groups_the_dearest_units_and_shares_the_saving_by_value():
    # 60 + 60 + 50 = 170 for 100: 70 off, shared 120 : 50; the two units at 10 make no group.
    pricing = priced([line("a", "60.00", 2), line("b", "50.00"), line("c", "10.00", 2)],
                     [offer("n", NForPrice(3, D(100)))])
    assert discounts(pricing) == {"a": D("49.41"), "b": D("20.59")}


def test_every_second_unit_of_a_sku_at_half_price():
    pricing = priced([line("a", "40.00", 3), line("b", "10.00")], [offer("nth", NthDiscount())])
    assert discounts(pricing) == {"a": D("20.00")}


def test_a_gift_takes_nothing_off_and_a_missed_one_says_how_far():
    gift = offer("gift", GiftWithPurchase(D("199.00"), 99))
    reached = priced([line("a", "200.00")], [gift])
    assert reached.gifts == (Gift("gift", 99, 1),)
    assert reached.discount_total == D(0)
    assert [applied.offer_key for applied in reached.applied] == ["gift"]
    missed = priced([line("a", "150.00")], [gift])
    assert missed.gifts == () and reasons(missed) == {"gift": "threshold_not_reached"}
    miss, = missed.near_misses
    assert (miss.short_by, miss.saving, miss.message.mapping) == (D("49.00"), None,
                                                                  {"short": "49.00"})


def test_free_shipping_saves_the_fee_once_its_threshold_is_reached():
    free = offer("ship", FreeShipping(D("99.00")))
    pricing = priced([line("a", "100.00")], [free], fee="8.00")
    assert (pricing.free_shipping_by, pricing.shipping_saving) == ("ship", D("8.00"))
    short = priced([line("a", "90.00")], [free], fee="8.00")
    assert short.shipping_saving == D(0)
    assert [(m.short_by, m.saving) for m in short.near_misses] == [(D("9.00"), D("8.00"))]


def test_only_one_coupon_applies_the_one_that_saves_most():
    cart = [line("a", "200.00")]
    pricing = priced(cart, [offer("twenty", CouponAmount(D(20), D(100)), is_coupon=True),
                            offer("tenth", CouponPercent(D(10), D(15)), is_coupon=True),
                            offer("ship", CouponFreeShipping(), is_coupon=True)], fee="8.00")
    assert [applied.offer_key for applied in pricing.applied] == ["twenty"]
    assert reasons(pricing) == {"tenth": "one_coupon", "ship": "one_coupon"}
    skip = next(skip for skip in pricing.skipped if skip.offer_key == "tenth")
    assert skip.message.mapping["offers"] == "twenty"


def test_a_coupons_minimum_spend_counts_what_is_left_after_spend_and_save():
    # 210 − 20 = 190 is short of the coupon's 200: it cannot join, and says by how much.
    pricing = priced([line("a", "210.00")],
                     [offer("mj", tiers((200, 20))),
                      offer("c", CouponAmount(D(10), D(200)), is_coupon=True)])
    assert [applied.offer_key for applied in pricing.applied] == ["mj"]
    assert reasons(pricing) == {"c": "threshold_not_reached"}
    miss, = pricing.near_misses
    assert (miss.offer_key, miss.short_by, miss.saving) == ("c", D("10.00"), D("10.00"))


# Combining.

def test_an_exclusive_flash_sale_leaves_only_the_other_lines_to_spend_and_save():
    flash = offer("flash", SpecialPrice({1: D(150)}), name="秒杀",
                  stacking=Stacking(Combination.EXCLUSIVE))
    save = offer("mj", tiers((200, 20), (500, 60)), name="满减")
    pricing = priced([line("a", "300.00", sku=1), line("b", "250.00", sku=2)], [save, flash])
    # The flash sale (150) and 20 on b beat 60 on both lines without the flash sale.
    assert pricing.discount_total == D("170.00")
    assert {a.offer_key: a.lines for a in pricing.applied} == {
        "flash": (("a", D("150.00")),), "mj": (("b", D("20.00")),)}
    miss, = pricing.near_misses
    assert (miss.offer_key, miss.short_by, miss.saving) == ("mj", D("250.00"), D("60.00"))


def test_an_exclusive_offer_that_loses_names_the_one_that_took_its_lines():
    flash = offer("flash", SpecialPrice({1: D(100)}), name="秒杀",
                  stacking=Stacking(Combination.EXCLUSIVE))
    pct = offer("pct", PercentOff(D(10)), name="九折")
    pricing = priced([line("a", "300.00", sku=1)], [flash, pct])
    assert [a.offer_key for a in pricing.applied] == ["flash"]
    skip, = pricing.skipped
    assert (skip.reason, skip.message.mapping["offers"]) == ("exclusive", "秒杀")


def test_one_offer_per_group_on_a_line_but_other_groups_stack():
    store = Stacking(Combination.GROUP_EXCLUSIVE, "store")
    pricing = priced([line("a", "100.00")],
                     [offer("ten", PercentOff(D(10)), stacking=store),
                      offer("twenty", PercentOff(D(20)), stacking=store),
                      offer("brand", AmountOff(D(5)), stacking=Stacking(group="brand"))])
    assert {a.offer_key for a in pricing.applied} == {"twenty", "brand"}
    assert reasons(pricing) == {"ten": "group_exclusive"}


def test_stacks_with_limits_which_groups_may_share_a_line():
    picky = offer("picky", PercentOff(D(10)),
                  stacking=Stacking(group="brand", stacks_with=frozenset({"brand"})))
    other = offer("other", AmountOff(D(5)), stacking=Stacking(group="shop"))
    alone = priced([line("a", "100.00")], [picky, other])
    assert [a.offer_key for a in alone.applied] == ["picky"]
    assert reasons(alone) == {"other": "not_stackable"}
    welcome = offer("welcome", AmountOff(D(5)), stacking=Stacking(group="brand"))
    both = priced([line("a", "100.00")], [picky, welcome])
    assert both.discount_total == D("14.50")  # 5 off, then 10% of 95


def test_the_search_does_not_cut_a_unit_offer_that_gains_when_its_cheap_line_is_taken():
    # Alone, buy-2-get-1 gives the 1.00 unit. Once the exclusive 50% off takes that line, it
    # gives a 100.00 unit: 100.50 together, more than 10% off everything (30.10), which
    # stops both. A search bounding buy-2-get-1 by its 1.00 alone would stop at 30.10.
    group = Stacking(Combination.GROUP_EXCLUSIVE, "g")
    pricing = priced([line("a", "100.00", 3, sku=1), line("b", "1.00", sku=2)],
                     [offer("tenth", PercentOff(D(10)), stacking=replace(group, priority=1)),
                      offer("half", PercentOff(D(50)), scope=Scope(False, sku_ids=frozenset({2})),
                            stacking=Stacking(Combination.EXCLUSIVE)),
                      offer("b2g1", BuyXGetY(2, 1), stacking=group)])
    assert pricing.discount_total == D("100.50")
    assert {a.offer_key for a in pricing.applied} == {"half", "b2g1"}


def test_the_result_does_not_depend_on_the_order_of_the_offers():
    offers = [offer("mj", tiers((100, 10))), offer("pct", PercentOff(D(15))),
              offer("cut", AmountOff(D(3))), offer("c", CouponPercent(D(5)), is_coupon=True),
              offer("nth", NthDiscount(), stacking=Stacking(Combination.EXCLUSIVE))]
    cart = [line("a", "33.33", 3), line("b", "12.34", 2)]
    limits = Limits(D("0.3"))
    assert priced(cart, offers, limits) == priced(cart, offers[::-1], limits)


# Guard rails.

def test_no_discount_takes_a_line_below_its_floor():
    pricing = priced([line("a", "100.00", floor="90.00")], [offer("pct", PercentOff(D(20)))])
    assert (pricing.discount_total, pricing.capped) == (D("10.00"), True)


def test_the_maximum_share_cuts_the_later_offer_first():
    cart = [line("a", "100.00")]
    first = Stacking(priority=1)
    pricing = priced(cart, [offer("pct", PercentOff(D(40))), offer("cut", AmountOff(D(30)),
                                                                   stacking=first)],
                     Limits(D("0.5")))
    # 30 off first, then 40% of the 70 left would be 28: only 20 fit under half of 100.
    assert {a.offer_key: a.amount for a in pricing.applied} == {"cut": D("30.00"),
                                                                "pct": D("20.00")}
    assert (pricing.discount_total, pricing.capped) == (D("50.00"), True)


def test_an_order_discount_capped_by_floors_still_adds_up_to_the_fen():
    pricing = priced([line("a", "50.00", floor="45.00"), line("b", "50.00")],
                     [offer("mj", tiers((100, 60)))])
    assert discounts(pricing) == {"a": D("5.00"), "b": D("50.00")}
    assert (pricing.discount_total, pricing.capped) == (D("55.00"), True)


@examples(max_examples=100, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000)), min_size=1,
                max_size=8), st.data())
def test_a_capped_share_out_adds_up_and_keeps_under_every_cap(pairs, data):
    weights = [D(weight) / 100 for weight, _ in pairs]
    caps = [D(cap) / 100 for _, cap in pairs]
    room = sum((cap for cap, weight in zip(caps, weights, strict=True) if weight), D(0))
    amount = data.draw(st.decimals(min_value=0, max_value=room, places=2))
    shares = share_out_capped(amount, weights, caps)
    assert sum(shares, D(0)) == amount
    assert all(D(0) <= share <= cap for share, cap in zip(shares, caps, strict=True))


def test_a_capped_share_out_gives_what_a_capped_line_cannot_take_to_the_others():
    assert share_out_capped(D(10), [D(1)] * 3, [D(1), D(5), D(5)]) == [
        D("1.00"), D("4.50"), D("4.50")]
    with pytest.raises(ValueError, match="caps"):
        share_out_capped(D(12), [D(1)] * 3, [D(1), D(5), D(5)])


def test_an_offer_that_adds_nothing_to_the_best_combination_is_lost():
    # Under a 10% share, 10% off already takes all there is: 5 off on top adds nothing.
    pricing = priced([line("a", "100.00")], [offer("pct", PercentOff(D(10))),
                                             offer("cut", AmountOff(D(5)))], Limits(D("0.1")))
    assert [a.offer_key for a in pricing.applied] == ["pct"]
    assert reasons(pricing) == {"cut": "lost"}


def test_beyond_twelve_qualifying_offers_the_smallest_savings_are_not_tried():
    exclusive = Stacking(Combination.EXCLUSIVE)
    offers = [offer(f"cut{amount:02}", AmountOff(D(amount)), stacking=exclusive)
              for amount in range(1, 14)]
    pricing = priced([line("a", "100.00")], offers)
    assert [a.offer_key for a in pricing.applied] == ["cut13"]
    assert reasons(pricing)["cut01"] == "search_limit"
    assert {reasons(pricing)[f"cut{amount:02}"] for amount in range(2, 13)} == {"exclusive"}


# Why not.

@pytest.mark.parametrize(("fields", "reason"), [
    ({"starts_at": NOW + timedelta(hours=1)}, "not_started"),
    ({"ends_at": NOW}, "ended"),
    ({"channels": frozenset({"app"})}, "channel"),
    ({"groups": frozenset({"plus"})}, "member_group"),
    ({"uses_left": 0}, "used_up"),
    ({"scope": Scope(False, brand_ids=frozenset({7}))}, "no_item_in_scope"),
])
def test_an_offer_that_cannot_apply_says_why(fields, reason):
    pricing = priced([line("a", "100.00", brand=1)], [offer("pct", PercentOff(D(10)), **fields)])
    assert (pricing.applied, reasons(pricing)) == ((), {"pct": reason})


def test_an_offer_for_the_shoppers_group_and_channel_applies():
    pricing = priced([line("a", "100.00")],
                     [offer("pct", PercentOff(D(10)), channels=frozenset({"app"}),
                            groups=frozenset({"plus"}), starts_at=NOW, ends_at=NOW
                            + timedelta(seconds=1), uses_left=1)],
                     context=Context(NOW, "app", frozenset({"plus", "new"})))
    assert pricing.discount_total == D("10.00")


@pytest.mark.parametrize("make", [
    lambda: tiers((200, 20), (100, 10)),
    lambda: tiers((100, 120)),
    lambda: SpendSave(((D(100), D(10)), (D(200), D(20))), repeat=True),
    lambda: PercentOff(D(0)),
    lambda: PercentOff(D(101)),
    lambda: AmountOff(D("0.001")),
    lambda: SpecialPrice({1: D(5)}, {2: 1}),
    lambda: BuyXGetY(0, 1),
    lambda: NForPrice(1, D(10)),
    lambda: Scope(False),
    lambda: Stacking(Combination.GROUP_EXCLUSIVE),
    lambda: line("a", "10.00", floor="10.01"),
    lambda: offer("c", CouponAmount(D(5))),
    lambda: Context(datetime(2026, 11, 11)),  # naive: refused
    lambda: Limits(D("1.5")),
])
def test_nonsense_is_refused_when_made(make):
    with pytest.raises(ValueError):
        make()
