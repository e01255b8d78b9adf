"""Coupon test data: a marketing staff member, templates, shoppers, and orders to redeem on (bare
order rows: the coupon service only needs their keys, and placing real orders is slow)."""

from __future__ import annotations

import itertools
import secrets
from decimal import Decimal
from typing import Any

import zope.sqlalchemy
from sqlalchemy import update

from shop.application import Actor, Permission, Shop, UnitOfWork
from shop.application.accounts.customers import CustomerAccounts
from shop.data.models import Order
from shop.data.repositories.rows import append_rows_returning_ids

MARKETER = Actor(kind="staff", name="staff:marketer", id=7, permissions=frozenset(
    {Permission.PROMOTION_MANAGE, Permission.PROMOTION_VIEW}))
_serial = itertools.count(1)


def template_data(**fields: Any) -> dict[str, Any]:
    """满100减20, on everything, 30 days from issue; ``fields`` override."""
    return {"name_zh": "满100减20", "name_en": "20 off 100", "kind": "amount",
            "amount": "20.00", "min_spend": "100.00", "scope": {"everything": True},
            "valid_days": 30, **fields}


def new_template(shop: Shop, **fields: Any) -> Any:
    with shop.transaction(MARKETER) as tx:
        return tx.coupons.create_template(template_data(**fields))


def shoppers(shop: Shop, count: int) -> list[Actor]:
    """``count`` signed-in shoppers, made in one transaction."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        accounts = CustomerAccounts(tx)
        ids = [accounts.new_customer(email=f"coupon-{next(_serial)}-{secrets.token_hex(4)}"
                                           f"@example.com").id for _ in range(count)]
        return [tx.accounts.actor_for(key) for key in ids]


def grant(shop: Shop, template_id: int, *who: Actor) -> None:
    with shop.transaction(MARKETER) as tx:
        tx.coupons.grant(template_id, [actor.id for actor in who], None)


def orders(shop: Shop, who: Actor, count: int = 1) -> list[int]:
    """``count`` unpaid orders of ``who`` (bare rows, no lines), each ¥100 with ¥20 off (what
    the default template's coupon takes): their keys."""
    row = {"customer_id": who.id, "state": "awaiting_payment", "payment_method": "online",
           "items_total": Decimal("100.00"), "discount_total": Decimal("20.00"),
           "payable": Decimal("80.00"),
           "shipping_method_code": "express", "shipping_method_name": "Express",
           "recipient": "张三", "mobile": "13800138000", "province_code": "110000",
           "city_code": "110100", "street": "建国路 1 号"}
    with shop.transaction(shop.system_actor("tests")) as tx:
        keys = append_rows_returning_ids(tx._session, Order, [
            {**row, "number": secrets.token_hex(10), "idempotency_key": secrets.token_hex(16)}
            for _ in range(count)])
        # Core rows only: the session must be told it changed, or its commit rolls them back.
        zope.sqlalchemy.mark_changed(tx._session)
        return keys


def end(shop: Shop, order_id: int, state: str = "closed") -> None:
    """The order ended unpaid (``closed``) or was called off (``cancelled``)."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx._session.execute(update(Order).where(Order.id == order_id).values(state=state))


def staff_uow(tx: UnitOfWork, *permissions: Permission) -> UnitOfWork:
    actor = Actor(kind="staff", name="staff:8", id=8, permissions=frozenset(permissions))
    return UnitOfWork(tx.shop, tx._session, actor, "en")
