"""Carts and their lines. Every line query names its cart, and the service names the cart only
after finding it by its owner, so no query here reaches another's line.

Records are frozen: a page renders what was read, never a half-loaded ORM object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import (
    Attribute,
    AttributeValue,
    Cart,
    CartLine,
    Product,
    Sku,
    SkuAttributeValue,
)
from shop.data.repositories.catalog_records import SkuValueRecord


@dataclass(frozen=True, slots=True)
class CartRecord:
    id: int
    customer_id: int | None


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A line with what the page shows of its SKU and product, read in the same query."""

    id: int
    sku_id: int
    quantity: int
    selected: bool
    price_when_added: Decimal
    sku_code: str
    price: Decimal
    product_slug: str
    product_name_zh: str
    product_name_en: str
    cover_image_url: str | None
    is_published: bool
    #: What promotions look at: the product, its category and brand, the SKU's floor price.
    product_id: int
    category_id: int
    brand_id: int | None
    floor_price: Decimal


@dataclass(frozen=True, slots=True)
class CheckoutLineRecord:
    """A selected line with everything an order line copies from its SKU and product."""

    sku_id: int
    product_id: int
    quantity: int
    sku_code: str
    price: Decimal
    weight_grams: int
    product_slug: str
    product_name_zh: str
    product_name_en: str
    cover_image_url: str | None
    is_published: bool
    reserves_stock: bool
    category_id: int
    brand_id: int | None
    floor_price: Decimal


@dataclass(frozen=True, slots=True)
class SaleSku:
    id: int
    price: Decimal


class CartRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- carts -----------------------------------------------------------------------------

    def find(self, *, customer_id: int | None = None, token_hash: str | None = None,
             lock: bool = False) -> CartRecord | None:
        """The owner's cart; with ``lock``, held until commit as ``lock()`` holds it."""
        statement = select(Cart.id, Cart.customer_id).where(_owner(customer_id, token_hash))
        row = self.session.execute(statement.with_for_update() if lock else statement).first()
        return CartRecord(row.id, row.customer_id) if row else None

    def find_or_create(self, *, customer_id: int | None = None,
                       token_hash: str | None = None) -> CartRecord:
        """The owner's cart, made now if it has none. Two requests making the same cart at
        once: the unique key lets one insert, the other finds that one."""
        found = self.find(customer_id=customer_id, token_hash=token_hash)
        if found is not None:
            return found
        try:
            with self.session.begin_nested():
                cart = Cart(customer_id=customer_id, token_hash=token_hash)
                self.session.add(cart)
                # Flushed inside the savepoint: a taken key is caught here, not at commit.
                self.session.flush()
                return CartRecord(cart.id, cart.customer_id)
        except IntegrityError:
            found = self.find(customer_id=customer_id, token_hash=token_hash)
            if found is None:
                raise
            return found

    def lock(self, cart_id: int) -> None:
        """Hold the cart's row until commit (PostgreSQL; SQLite has one writer), so two writes
        to one cart check its limits one after the other."""
        self.session.execute(select(Cart.id).where(Cart.id == cart_id).with_for_update())

    def touch(self, cart_id: int, now: datetime) -> None:
        """Stamp the cart as changed at ``now`` (the shop's clock: a Core UPDATE passes by the
        session's stamping)."""
        self.session.execute(update(Cart).where(Cart.id == cart_id).values(updated_at=now)
                             .execution_options(synchronize_session=False))

    def delete(self, cart_id: int) -> None:
        self.session.execute(delete(CartLine).where(CartLine.cart_id == cart_id))
        self.session.execute(delete(Cart).where(Cart.id == cart_id))

    def line_count(self, *, customer_id: int | None = None,
                   token_hash: str | None = None) -> int:
        """How many lines the owner's cart has (0 without a cart): one query."""
        return self.session.scalar(
            select(func.count(CartLine.id)).join(Cart, Cart.id == CartLine.cart_id)
            .where(_owner(customer_id, token_hash))) or 0

    # -- lines -----------------------------------------------------------------------------

    def lines(self, cart_id: int) -> list[LineRecord]:
        """The cart's lines, oldest first, with their SKU and product."""
        rows = self.session.execute(
            select(CartLine.id, CartLine.sku_id, CartLine.quantity, CartLine.selected,
                   CartLine.price_when_added, Sku.code.label("sku_code"), Sku.price,
                   Product.slug.label("product_slug"), Product.name_zh.label("product_name_zh"),
                   Product.name_en.label("product_name_en"), Product.cover_image_url,
                   Product.is_published, Sku.product_id, Product.category_id, Product.brand_id,
                   Sku.floor_price)
            .join(Sku, Sku.id == CartLine.sku_id).join(Product, Product.id == Sku.product_id)
            .where(CartLine.cart_id == cart_id).order_by(CartLine.id))
        return [LineRecord(**row._mapping) for row in rows]

    def selected_lines(self, cart_id: int) -> list[CheckoutLineRecord]:
        """The lines chosen for checkout, oldest first, with their SKU and product: one query."""
        rows = self.session.execute(
            select(CartLine.sku_id, Sku.product_id, CartLine.quantity,
                   Sku.code.label("sku_code"), Sku.price, Sku.weight_grams,
                   Product.slug.label("product_slug"), Product.name_zh.label("product_name_zh"),
                   Product.name_en.label("product_name_en"), Product.cover_image_url,
                   Product.is_published, Product.reserves_stock, Product.category_id,
                   Product.brand_id, Sku.floor_price)
            .join(Sku, Sku.id == CartLine.sku_id).join(Product, Product.id == Sku.product_id)
            .where(CartLine.cart_id == cart_id, CartLine.selected).order_by(CartLine.id))
        return [CheckoutLineRecord(**row._mapping) for row in rows]

    def delete_skus(self, cart_id: int, sku_ids: Sequence[int]) -> None:
        """Take ordered SKUs out of the cart."""
        self.session.execute(delete(CartLine).where(CartLine.cart_id == cart_id,
                                                    CartLine.sku_id.in_(sku_ids)))

    def quantities(self, cart_id: int) -> dict[int, tuple[int, int]]:
        """SKU id -> (line id, quantity) of every line."""
        rows = self.session.execute(select(CartLine.sku_id, CartLine.id, CartLine.quantity)
                                    .where(CartLine.cart_id == cart_id))
        return {row.sku_id: (row.id, row.quantity) for row in rows}

    def line_quantity(self, cart_id: int, line_id: int) -> tuple[int, int] | None:
        """(SKU id, quantity) of the cart's line ``line_id``; None when the cart has no such."""
        row = self.session.execute(
            select(CartLine.sku_id, CartLine.quantity)
            .where(CartLine.cart_id == cart_id, CartLine.id == line_id)).first()
        return (row.sku_id, row.quantity) if row else None

    def add_line(self, cart_id: int, sku_id: int, quantity: int, price: Decimal) -> None:
        self.session.add(CartLine(cart_id=cart_id, sku_id=sku_id, quantity=quantity,
                                  selected=True, price_when_added=price))
        # Flushed now: the next statement of the same step may count or read the line.
        self.session.flush()

    def set_quantity(self, cart_id: int, line_id: int, quantity: int,
                     price: Decimal | None = None) -> bool:
        """Change the line's quantity (and, when the shopper added more at ``price``, the price
        it was added at; an item added again is chosen for checkout again); False when the cart
        has no such line."""
        values: dict[str, object] = {"quantity": quantity}
        if price is not None:
            values.update(price_when_added=price, selected=True)
        return self._update(cart_id, [line_id], **values) == 1

    def set_selected(self, cart_id: int, line_ids: Sequence[int] | None,
                     selected: bool) -> int:
        """(De)select the given lines, or every line when ``line_ids`` is None; how many."""
        return self._update(cart_id, line_ids, selected=selected)

    def delete_line(self, cart_id: int, line_id: int) -> bool:
        result = self.session.execute(
            delete(CartLine).where(CartLine.cart_id == cart_id, CartLine.id == line_id))
        return bool(getattr(result, "rowcount", 0) == 1)

    def _update(self, cart_id: int, line_ids: Sequence[int] | None, **values: object) -> int:
        condition = CartLine.cart_id == cart_id
        if line_ids is not None:
            condition = condition & CartLine.id.in_(line_ids)
        result = self.session.execute(update(CartLine).where(condition).values(**values)
                                      .execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0))

    # -- what may be added -----------------------------------------------------------------

    def sale_sku(self, code: str) -> SaleSku | None:
        """The SKU ``code`` of a published product, with its current price."""
        row = self.session.execute(
            select(Sku.id, Sku.price).join(Product, Product.id == Sku.product_id)
            .where(Sku.code == code, Product.is_published)).first()
        return SaleSku(row.id, row.price) if row else None

    def gift_lines(self, quantities: Mapping[int, int]) -> list[CheckoutLineRecord]:
        """Gifts (满赠) as order lines: each SKU of a published product at ¥0, in SKU order."""
        return self._sku_lines(quantities, Decimal("0.00"))

    def replacement_lines(self, quantities: Mapping[int, int]) -> list[CheckoutLineRecord]:
        """An exchange's replacement as order lines: each SKU at ¥0, published or not (what
        was sold is sent again even when it is no longer on sale), in SKU order."""
        return self._sku_lines(quantities, Decimal("0.00"), sold_only=False)

    def bought_lines(self, quantities: Mapping[int, int]) -> list[CheckoutLineRecord]:
        """Lines bought without the cart (立即购买 of a flash sale): each SKU at its price,
        published or not (the checkout refuses what is no longer sold, naming it)."""
        return self._sku_lines(quantities, None)

    def _sku_lines(self, quantities: Mapping[int, int], price: Decimal | None, *,
                   sold_only: bool = True) -> list[CheckoutLineRecord]:
        """Order lines for SKUs (one query): at ``price`` (of published products only, unless
        not ``sold_only``), or at their own price when None, in which case unpublished
        products are kept for the caller to name."""
        if not quantities:
            return []
        statement = (
            select(Sku.id.label("sku_id"), Sku.product_id, Sku.code.label("sku_code"),
                   Sku.weight_grams, Product.slug.label("product_slug"),
                   Product.name_zh.label("product_name_zh"),
                   Product.name_en.label("product_name_en"), Product.cover_image_url,
                   Product.is_published, Product.reserves_stock, Product.category_id,
                   Product.brand_id, Sku.floor_price, Sku.price)
            .join(Product, Product.id == Sku.product_id)
            .where(Sku.id.in_(list(quantities))).order_by(Sku.id))
        if price is not None and sold_only:
            statement = statement.where(Product.is_published)
        return [CheckoutLineRecord(**{**row._mapping, "price": price if price is not None
                                      else row.price}, quantity=quantities[row.sku_id])
                for row in self.session.execute(statement)]

    def sku_values(self, sku_ids: Iterable[int]) -> list[SkuValueRecord]:
        """The variant axis values of the SKUs, in the attributes' order: one query."""
        rows = self.session.execute(
            select(SkuAttributeValue.sku_id, Attribute.id.label("attribute_id"),
                   Attribute.name_zh.label("attribute_name_zh"),
                   Attribute.name_en.label("attribute_name_en"),
                   AttributeValue.id.label("value_id"),
                   AttributeValue.name_zh.label("value_name_zh"),
                   AttributeValue.name_en.label("value_name_en"))
            .join(AttributeValue, AttributeValue.id == SkuAttributeValue.attribute_value_id)
            .join(Attribute, Attribute.id == AttributeValue.attribute_id)
            .where(SkuAttributeValue.sku_id.in_(list(sku_ids)))
            .order_by(SkuAttributeValue.sku_id, Attribute.position, Attribute.id))
        return [SkuValueRecord(**row._mapping) for row in rows]


def _owner(customer_id: int | None, token_hash: str | None) -> ColumnElement[bool]:
    if (customer_id is None) == (token_hash is None):
        raise ValueError("a cart is found by exactly one of customer_id and token_hash")
    if customer_id is not None:
        return Cart.customer_id == customer_id
    return Cart.token_hash == token_hash
