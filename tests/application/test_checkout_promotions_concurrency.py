"""Checkouts racing for limited discounts, each in its own committed transaction: a one-time
code gives exactly one discounted order, a flash sale's quota is never oversold, and the losers
are refused before anything is paid (PostgreSQL: real row locks under real concurrency)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from shop.application import Conflict, Invalid, Shop
from shop.data.models import DiscountUse, FlashSaleItem, Order
from tests.concurrency import at_once, committed, postgresql_only
from tests.coupons_support import MARKETER, new_template
from tests.ordering_support import Buyer, buyers_with_carts, prepare_shop, sku_codes, submit

__all__ = ["committed"]  # the fixture, for pytest


def _sku(shop: Shop, stock: int, price: str = "100.00") -> str:
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        return sku_codes(tx, stock=stock, price=price)[0]


def _race(shop: Shop, buyers: list[Buyer], **form: str) -> Counter[str]:
    def checkout(n: int) -> str:
        try:
            placed = submit(shop, buyers[n], **form)
        except (Conflict, Invalid):
            return "refused"
        return "discounted" if placed.payable < Decimal("100.00") else "full price"

    return at_once(len(buyers), checkout)


@postgresql_only
def test_a_hundred_checkouts_with_one_one_time_code_give_one_discounted_order(committed):
    sku = _sku(committed, 200)
    new_template(committed, public_code="ONLYONE", amount="30.00", min_spend="0.00",
                 total_quantity=1)
    buyers = buyers_with_carts(committed, 100, {sku: 1})
    # Express from ¥199 is free; ¥100 pays ¥12 shipping: ¥112 full, ¥82 with the code.
    outcomes = _race(committed, buyers, coupon_code="ONLYONE")
    assert outcomes["discounted"] == 1 and outcomes["refused"] == 99, outcomes
    with committed.transaction(committed.system_actor("tests")) as tx:
        assert tx._session.scalar(select(func.count()).select_from(Order)) == 1
        assert tx._session.scalar(select(func.count()).select_from(DiscountUse)) == 1


@postgresql_only
def test_a_flash_sale_of_ten_raced_by_sixty_buyers_sells_exactly_ten(committed, clock):
    sku = _sku(committed, 200)
    with committed.transaction(MARKETER) as tx:
        now = clock.now()
        tx.promotions.create({
            "code": "flash", "name_zh": "秒杀", "name_en": "Flash", "kind": "flash_sale",
            "rule": {"items": f"{sku}:50.00:10"}, "per_customer_limit": 1,
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat()})
    buyers = buyers_with_carts(committed, 60, {sku: 1})
    # Each buyer's checkout expects the flash price it saw: ¥50 + ¥12 shipping.
    outcomes = _race(committed, buyers, expected_payable="62.00")
    assert outcomes == Counter({"discounted": 10, "refused": 50}), outcomes
    with committed.transaction(committed.system_actor("tests")) as tx:
        assert tx._session.scalar(select(FlashSaleItem.sold)) == 10
        assert tx._session.scalar(select(func.sum(DiscountUse.units))) == 10
