"""After-sales test data: a paid order of two lines with a coupon's discount shared over them,
delivered or not, and the customer-service staff who handle its requests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from shop.application import Actor, Shop
from shop.data.models import Order, OrderLine
from tests.coupons_support import grant, new_template
from tests.ordering_support import Buyer, buyer, place, prepare_shop, sku_codes
from tests.payments_support import gift_card, pay, top_up
from tests.staff_factories import staff

#: 1x1 transparent PNG.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@dataclass
class Sold:
    who: Buyer
    number: str
    skus: tuple[str, str]
    #: Order line ids, in the order's order: three units of the first SKU, one of the second.
    lines: tuple[int, int]
    #: (line_total, discount_share) of each line, read from the database.
    money: tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]]


def stock_up(shop: Shop) -> tuple[str, str]:
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        first = sku_codes(tx, stock=10, price="40.00")[0]
        second = sku_codes(tx, stock=10, price="70.00")[0]
    return first, second


def sold(shop: Shop, skus: tuple[str, str], *, delivered: bool = True) -> Sold:
    """A shopper's order of 3 x 40.00 and 1 x 70.00 with 20.00 off (a coupon), paid 50.00 by a
    gift card and the rest from their balance."""
    who = buyer(shop)
    template = new_template(shop)
    grant(shop, template.id, who.actor)
    top_up(shop, who, "500.00")
    card = gift_card(shop, "50.00")
    number = place(shop, who, {skus[0]: 3, skus[1]: 1}, coupon="auto").number
    with shop.transaction(who.actor) as tx:
        due = tx.payments.options(number).due
    assert pay(shop, who, number, gift_card_code=card.code, gift_card_pin=card.pin,
               balance=str(due - Decimal("50.00"))).paid
    if delivered:
        deliver(shop, who, number)
    with shop.transaction(shop.system_actor("tests")) as tx:
        order_id = tx._session.scalar(select(Order.id).where(Order.number == number))
        rows = tx._session.execute(
            select(OrderLine.id, OrderLine.line_total, OrderLine.discount_share)
            .where(OrderLine.order_id == order_id).order_by(OrderLine.position)).all()
    assert len(rows) == 2
    return Sold(who, number, skus, (rows[0].id, rows[1].id),
                ((rows[0].line_total, rows[0].discount_share),
                 (rows[1].line_total, rows[1].discount_share)))


def deliver(shop: Shop, who: Buyer, number: str) -> None:
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.orders.ship(number, {"carrier": "SF", "tracking_number": "SF" + "".join(
            secrets.choice("0123456789") for _ in range(10))})
    with shop.transaction(who.actor) as tx:
        tx.orders.confirm_receipt(number)


def service_staff(shop: Shop, role: str = "customer_service") -> Actor:
    with shop.transaction(shop.system_actor("tests")) as tx:
        member = staff(tx, (role,))
        return tx.staff.actor_for(member.id)


def ask(shop: Shop, who: Buyer, number: str, kind: str, reason: str,
        lines: dict[int, int], photos: tuple[bytes, ...] = (), **data: Any) -> Any:
    with shop.transaction(who.actor) as tx:
        return tx.rma.request(number, {
            "kind": kind, "reason": reason, "description": data.pop("description", "test"),
            "lines": [{"line": str(line), "quantity": str(q)} for line, q in lines.items()],
            **data}, photos)
