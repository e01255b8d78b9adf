"""A shop ready to sell, for tests of checkout and orders: a product with stock, two shipping
methods, shoppers with an address in 北京, and a checkout in one call."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from shop.application import Actor, Shop, UnitOfWork
from shop.application.accounts.customers import CustomerAccounts
from shop.data.models import Sku
from tests import factories
from tests.shoppers import shopper

BEIJING = {"province": "110000", "city": "110100", "district": "110105"}
XINJIANG = {"province": "650000", "city": "650100", "district": "650102"}



def rule(region: str = "*", first_fee: str = "10.00", step_fee: str = "2.00") -> dict[str, Any]:
    return {"region": region, "first_weight_grams": 1000, "first_fee": first_fee,
            "additional_weight_grams": 1000, "additional_fee": step_fee}


def shipping_methods(tx: UnitOfWork) -> None:
    """``express``: ¥12 first kg, free from ¥199; ``economy``: ¥8, not to 新疆."""
    tx.shipping.create_method({"code": "express", "name_zh": "特快", "name_en": "Express",
                               "position": 1, "free_above": "199.00",
                               "rules": [rule(first_fee="12.00")]})
    tx.shipping.create_method({"code": "economy", "name_zh": "经济", "name_en": "Economy",
                               "position": 2, "rules": [rule(first_fee="8.00")],
                               "excluded_regions": [XINJIANG["province"]]})


def sku_codes(tx: UnitOfWork, *, stock: int = 10, price: str = "99.00", sizes: tuple[str, ...]
              = ("m",), **extra: Any) -> list[str]:
    """A new product's SKU codes (one per size), each with ``stock`` on hand."""
    card = factories.product(tx, "shirts", price=price, stock=stock, sizes=sizes, **extra)
    return list(tx._session.scalars(select(Sku.code).where(Sku.product_id == card.id)
                                    .order_by(Sku.position)))


@dataclass
class Buyer:
    actor: Actor
    address_id: int


def buyer(shop: Shop, region: dict[str, str] | None = None) -> Buyer:
    """A signed-in shopper with one (default) address."""
    actor = shopper(shop)
    with shop.transaction(actor) as tx:
        address = tx.addresses.add({"recipient": "张三", "mobile": "13800138000",
                                    "street": "建国路 1 号", **(region or BEIJING)})
    return Buyer(actor, address.id)


def buyers_with_carts(shop: Shop, count: int,
                      lines: dict[str, int] | Callable[[int], dict[str, int]]) -> list[Buyer]:
    """``count`` shoppers, each with an address and ``lines`` (SKU code -> quantity, or the
    n-th shopper's from ``lines(n)``) in their cart: one transaction per shopper. The
    benchmarks use it too."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        accounts = CustomerAccounts(tx)
        ids = [accounts.new_customer(email=f"buyer-{secrets.token_hex(6)}@example.com").id
               for _ in range(count)]
    made = []
    for n, customer_id in enumerate(ids):
        with shop.transaction() as tx:
            actor = tx.accounts.actor_for(customer_id)
        with shop.transaction(actor) as tx:
            address = tx.addresses.add({"recipient": "张三", "mobile": "13800138000",
                                        "street": "建国路 1 号", **BEIJING})
            for sku, quantity in (lines(n) if callable(lines) else lines).items():
                tx.cart.add({"sku": sku, "quantity": str(quantity)})
        made.append(Buyer(actor, address.id))
    return made


def prepare_shop(system: UnitOfWork) -> None:
    """The attributes, the category and the shipping methods every order test needs."""
    factories.attributes(system)
    factories.category(system, "shirts")
    shipping_methods(system)


def place(shop: Shop, who: Buyer, lines: dict[str, int], **form: Any) -> Any:
    """Put ``lines`` (SKU code -> quantity) in the shopper's cart and place the order."""
    with shop.transaction(who.actor) as tx:
        for sku, quantity in lines.items():
            tx.cart.add({"sku": sku, "quantity": str(quantity)})
    return submit(shop, who, **form)


def submit(shop: Shop, who: Buyer, **form: Any) -> Any:
    """Place the order for what the shopper's cart has selected."""
    data = {"idempotency_key": secrets.token_urlsafe(24), "address": str(who.address_id),
            "shipping_method": "express", "payment_method": "online", **form}
    with shop.transaction(who.actor) as tx:
        return tx.checkout.place(data)
