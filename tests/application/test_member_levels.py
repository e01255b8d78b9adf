"""Member levels (会员等级): a shopper's last year of paid orders makes their level, a campaign
priced for a level is for that level and those above it, and staff set the thresholds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from shop.application import Forbidden, Invalid
from shop.data.models import Order
from tests.application.test_checkout_promotions import prepared, start, stocked
from tests.coupons_support import orders
from tests.ordering_support import Buyer, buyer

__all__ = ["stocked"]  # the fixture, for pytest


def spent(shop, clock, who: Buyer, payable: str, state: str = "completed",
          payment_method: str = "online", days_ago: int = 10) -> None:
    """An order of ``who`` for ``payable``, in ``state``, placed ``days_ago`` days ago."""
    [order_id] = orders(shop, who.actor)
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx._session.execute(update(Order).where(Order.id == order_id).values(
            payable=Decimal(payable), items_total=Decimal(payable), discount_total=0,
            state=state, payment_method=payment_method,
            placed_at=clock.now() - timedelta(days=days_ago)))


def standing(shop, who: Buyer):
    with shop.transaction(who.actor) as tx:
        return tx.accounts.standing()


def test_only_paid_orders_of_the_last_year_that_stand_count(shop, clock):
    who = buyer(shop)
    assert standing(shop, who).level is None
    spent(shop, clock, who, "1200.00")  # completed
    spent(shop, clock, who, "300.00", state="shipped")  # paid online, on its way
    spent(shop, clock, who, "9000.00", state="shipped", payment_method="cod")  # not paid yet
    spent(shop, clock, who, "9000.00", state="cancelled")
    spent(shop, clock, who, "9000.00", state="awaiting_payment")
    spent(shop, clock, who, "9000.00", days_ago=400)
    found = standing(shop, who)
    assert (found.level, found.spend) == ("silver", Decimal("1500.00"))
    assert (found.next_level, found.to_next) == ("gold", Decimal("3500.00"))


def test_a_member_price_for_gold_is_for_gold_and_platinum_members_only(shop, clock, stocked):
    start(shop, clock, "gold-price", "special_price", {"items": f"{stocked['a']}:80.00"},
          member_groups="gold")
    silver, gold, platinum = buyer(shop), buyer(shop), buyer(shop)
    spent(shop, clock, silver, "4999.99")
    spent(shop, clock, gold, "5000.00")
    spent(shop, clock, platinum, "25000.00")
    discounts = {name: prepared(shop, who, {stocked["a"]: 1}).breakdown.discount_total
                 for name, who in (("silver", silver), ("gold", gold), ("platinum", platinum))}
    assert discounts == {"silver": Decimal("0.00"), "gold": Decimal("20.00"),
                         "platinum": Decimal("20.00")}


def test_staff_set_the_thresholds_each_above_the_one_below(system, shop, clock):
    who = buyer(shop)
    spent(shop, clock, who, "3000.00")
    assert standing(shop, who).level == "silver"
    system.settings.update({"member_level_gold": "2500"})
    assert standing(shop, who).level == "gold"
    with pytest.raises(Invalid) as refused:
        system.settings.update({"member_level_platinum": "2000.00"})
    assert "member_level_platinum" in refused.value.errors
    with pytest.raises(Invalid) as negative:
        system.settings.update({"member_level_silver": "-1"})
    assert "member_level_silver" in negative.value.errors
    assert system.settings.current().member_level_platinum == "20000.00"


def test_only_a_shopper_has_a_standing(shop):
    with pytest.raises(Forbidden), shop.transaction(shop.system_actor("tests")) as tx:
        tx.accounts.standing()

