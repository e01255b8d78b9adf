"""Adds to one cart at once (committed transactions, many connections): the per-line limit holds
and one cart with one line comes out, on PostgreSQL (the cart row's lock, the unique keys) as on
SQLite (one writer at a time)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from shop.application import Invalid
from shop.application.cart.schemas import MAX_QUANTITY
from shop.data.models import Cart, CartLine, Sku
from tests.application.test_inventory_concurrency import _stocked
from tests.concurrency import at_once, committed
from tests.shoppers import new_customer

__all__ = ["committed"]  # the fixture, shared with the inventory's concurrency tests


def test_a_shoppers_first_adds_at_once_make_one_line_within_the_limit(committed):
    (sku_id,) = _stocked(committed, 500)
    customer_id = new_customer(committed)
    with committed.transaction() as tx:
        code = tx._session.scalar(select(Sku.code).where(Sku.id == sku_id))
        actor = tx.accounts.actor_for(customer_id)

    def add(n: int) -> str:
        try:
            with committed.transaction(actor=actor) as tx:
                tx.cart.add({"sku": code, "quantity": "9"})
        except Invalid as refused:
            assert set(refused.errors) == {"quantity"}
            return "refused"
        return "added"

    assert at_once(12, add) == Counter({"added": 11, "refused": 1})  # 11 × 9 = 99
    with committed.transaction() as tx:
        assert tx._session.scalar(select(func.count()).select_from(Cart)) == 1
        assert list(tx._session.scalars(select(CartLine.quantity))) == [MAX_QUANTITY]
