"""A signed-in shopper's browser in a shop ready to sell, for the checkout and order pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from shop.data.models import Order, Sku
from tests import factories
from tests.ordering_support import Buyer, buyer, prepare_shop
from tests.shoppers import log_in


@dataclass
class Item:
    slug: str
    sku: str


def item(system: Any, *, stock: int = 10, price: str = "99.00") -> Item:
    """A published product with one SKU, ``stock`` on hand."""
    card = factories.product(system, "shirts", price=price, stock=stock)
    code = system._session.scalar(select(Sku.code).where(Sku.product_id == card.id))
    return Item(card.slug, code)


def signed_in(shop: Any, web: Any) -> Buyer:
    """A shopper with a default address in 北京, logged in on ``web``."""
    who = buyer(shop)
    log_in(shop, web, who.actor.id)
    return who


def ready(shop: Any, system: Any, web: Any) -> tuple[Buyer, Item]:
    """The shop's shipping methods, a product, and a signed-in shopper."""
    prepare_shop(system)
    return signed_in(shop, web), item(system)


def add(web: Any, product: Item, quantity: str = "1", button: str = "add") -> Any:
    form = web.get(f"/p/{product.slug}").forms["add-to-cart"]
    form["quantity"] = quantity
    return form.submit(button, status=303)


def place_to_pay(web: Any, **fields: str) -> Any:
    """The checkout page's form submitted as shown (``fields`` changed): the payment page an
    order to pay online is shown on."""
    form = web.get("/checkout").forms["checkout-form"]
    for name, value in fields.items():
        form[name] = value
    placed = form.submit(status=303)
    assert placed.location.endswith("/pay?done=placed"), placed.location
    return placed.follow()


def place_through_the_form(web: Any, **fields: str) -> Any:
    """The same, then the order's page, reached from the payment page."""
    return place_to_pay(web, **fields).click(linkid="order-link")


def order_count(shop: Any) -> int:
    with shop.transaction() as tx:
        return int(tx._session.scalar(select(func.count()).select_from(Order)))
