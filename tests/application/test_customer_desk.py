"""The customer desk's level filter adds money exactly: orders are summed in whole fen on both
databases, so three orders of ¥0.20, ¥0.70 and ¥0.10 reach a ¥1.00 threshold (SQLite sums its
NUMERIC columns as floats: 0.2 + 0.7 + 0.1 is 0.9999999999999999 there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from shop.application import Actor
from shop.data.models import Order
from tests.coupons_support import orders as bare_orders
from tests.shoppers import new_customer


def _paid(shop, clock, customer_id: int, *amounts: str) -> None:
    """Completed orders of the customer for ``amounts``, in that order, placed ten days ago."""
    keys = bare_orders(shop, Actor(kind="shopper", name="t", id=customer_id), len(amounts))
    with shop.transaction(shop.system_actor("tests")) as tx:
        for key, amount in zip(keys, amounts, strict=True):
            tx._session.execute(update(Order).where(Order.id == key).values(
                payable=Decimal(amount), items_total=Decimal(amount), discount_total=0,
                state="completed", placed_at=clock.now() - timedelta(days=10)))


@pytest.fixture
def spenders(shop, clock):
    """X: ¥0.20 + ¥0.70 + ¥0.10 = ¥1.00; Y: ¥0.33 × 3 = ¥0.99; silver from ¥1.00."""
    clock.set(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    x = new_customer(shop, name="X", email="x@example.com")
    y = new_customer(shop, name="Y", email="y@example.com")
    _paid(shop, clock, x, "0.20", "0.70", "0.10")
    _paid(shop, clock, y, "0.33", "0.33", "0.33")
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.settings.update({"member_level_silver": "1.00", "member_level_gold": "2.00",
                            "member_level_platinum": "3.00"})
    return {"x": x, "y": y}


@pytest.mark.parametrize(("level", "expected"), [
    ("silver", ["x"]),
    ("none", ["y"]),
    ("gold", []),
])
def test_the_level_filter_sums_whole_fen(shop, spenders, level, expected):
    with shop.transaction(shop.system_actor("tests")) as tx:
        page = tx.customer_desk.search({"level": level})
    assert sorted(row.id for row in page.rows) == sorted(spenders[k] for k in expected)


def test_the_rows_show_the_exact_sums_and_levels(shop, spenders):
    with shop.transaction(shop.system_actor("tests")) as tx:
        rows = {row.id: row for row in tx.customer_desk.search({}).rows}
    x, y = rows[spenders["x"]], rows[spenders["y"]]
    assert (x.spent, x.level) == (Decimal("1.00"), "silver")
    assert (y.spent, y.level) == (Decimal("0.99"), None)
