"""The staff simulator: the same prices the checkout gives, with every campaign that did not
apply and why; nothing written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.application import Forbidden, Invalid
from tests.application.test_checkout_promotions import start, stocked
from tests.coupons_support import MARKETER, new_template

__all__ = ["stocked"]  # the fixture, for pytest


def test_an_exclusive_flash_sale_and_a_tiered_spend_and_save_explained(shop, clock, stocked):
    start(shop, clock, "tiers", "spend_save", {"tiers": "200:20, 500:60"})
    start(shop, clock, "flash", "flash_sale", {"items": f"{stocked['flash']}:50.00:10"},
          stacking={"mode": "exclusive", "priority": "100"})
    start(shop, clock, "members-only", "percent_off", {"percent": "5"}, member_groups="new")
    with shop.transaction(MARKETER, locale="en") as tx:
        seen = tx.promotions.simulate({
            "lines": f"{stocked['a']}:1, {stocked['b']}, {stocked['flash']}:1",
            "member_groups": "member"})
    assert {o.name: o.amount for o in seen.applied} == {"flash": Decimal("50.00"),
                                                        "tiers": Decimal("20.00")}
    assert seen.discount_total == Decimal("70.00")
    skipped = {o.name: o.message.interpolate() for o in seen.skipped}
    assert "members-only" in skipped
    assert [line.discount for line in seen.lines if line.sku_code == stocked["flash"]] == [
        Decimal("50.00")]


def test_a_time_before_a_campaign_starts_and_a_coupon_template(shop, clock, stocked):
    start(shop, clock, "tiers", "spend_save", {"tiers": "100:10"})
    # ¥20 off ¥100; stackable (a coupon is exclusive unless it says otherwise).
    template = new_template(shop, stacking={"mode": "stackable"})
    with shop.transaction(MARKETER) as tx:
        later = tx.promotions.simulate({
            "lines": f"{stocked['a']}:2", "coupon_template": template.id,
            "at": (clock.now() + timedelta(days=10)).isoformat()})
        now = tx.promotions.simulate({"lines": f"{stocked['a']}:2",
                                      "coupon_template": template.id})
    assert [o.name for o in later.applied] == ["满100减20"]  # the campaign has ended
    assert {o.name for o in now.applied} == {"tiers", "满100减20"}
    assert now.discount_total == Decimal("30.00")


@pytest.mark.parametrize(("data", "named"), [
    ({"lines": "NO-SUCH-SKU:1"}, "lines"),
    ({"lines": "X:0"}, "lines"),
    ({"lines": "X:abc"}, "lines"),
    ({"lines": "X", "member_groups": "vip"}, "member_groups"),
    ({"lines": "X", "channel": "tv"}, "channel"),
    ({"lines": "X", "coupon_template": "999999"}, "coupon_template"),
])
def test_bad_input_is_named(shop, clock, stocked, data, named):
    data = {**data, "lines": data["lines"].replace("X", stocked["a"])}
    with shop.transaction(MARKETER) as tx, pytest.raises(Invalid) as refused:
        tx.promotions.simulate(data)
    assert named in refused.value.errors


def test_a_shopper_cannot_simulate(shop, clock, stocked):
    from tests.shoppers import shopper
    with shop.transaction(shopper(shop)) as tx, pytest.raises(Forbidden):
        tx.promotions.simulate({"lines": stocked["a"]})
