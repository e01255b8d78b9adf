"""Cart use cases (``uow.cart``): look, add, change a quantity, remove, choose what to buy.

Whose cart: a signed-in shopper's own (by customer id), or a guest's, found by the random token
in the guest's cookie (stored only as its SHA-256, like a login session's). Every line is looked
up inside the cart found that way, so a line id of another's cart is simply not found (404,
never 403). Prices and stock are read fresh for every page: the cart says when a price changed
or a SKU sold out since it was added.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from shop.application.cart.read_models import CartChange, CartLineView, CartView
from shop.application.cart.schemas import (
    MAX_LINES,
    MAX_QUANTITY,
    AddToCartSchema,
    LineQuantitySchema,
    LineSchema,
    SelectLinesSchema,
)
from shop.application.errors import Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.ordering.pricing import ZERO
from shop.application.promotions.pricing import LineInput
from shop.application.promotions.read_models import AppliedView, PromotionSummary
from shop.application.sessions.service import token_hash
from shop.application.validation import entity_key, validate
from shop.data.repositories.cart import CartRecord, CartRepository, LineRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: A guest token is ``secrets.token_urlsafe(32)`` (43 characters); a longer cookie is not one.
_MAX_TOKEN = 100


class CartService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = CartRepository(uow._session)

    # -- reading ---------------------------------------------------------------------------

    def view(self, guest_token: str | None = None) -> CartView:
        """The cart with today's prices and stock: one query per table, whatever its size."""
        owner = self._owner(guest_token)
        cart = self._repo.find(**owner) if owner else None
        if cart is None:
            return CartView(())
        records = self._repo.lines(cart.id)
        if not records:
            return CartView(())
        sku_ids = [r.sku_id for r in records]
        labels = self._labels(sku_ids)
        available = self.uow.inventory.available(sku_ids)
        lines = [self._line(r, labels.get(r.sku_id, ""), available[r.sku_id]) for r in records]
        return self._with_promotions(lines, records, self._customer_id())

    def _with_promotions(self, lines: list[CartLineView], records: list[LineRecord],
                         customer_id: int | None) -> CartView:
        """The live campaigns over the lines that count (chosen and buyable): what each line
        saves and under which campaign the page groups it, what applied and what nearly did.
        Coupons are chosen at checkout."""
        counting = {line.sku_code for line in lines if line.counts}
        priced = self.uow._pricer.price(
            [LineInput(key=r.sku_code, sku_id=r.sku_id, product_id=r.product_id,
                       category_id=r.category_id, brand_id=r.brand_id, unit_price=r.price,
                       quantity=r.quantity, floor_price=r.floor_price)
             for r in records if r.sku_code in counting], customer_id,
            flash_sales=self.uow._pricer.cart_sells_flash)
        pricing = priced.pricing
        group: dict[str, str] = {}
        for applied in pricing.applied:
            for key, _amount in applied.lines:
                group.setdefault(key, applied.name)
        return CartView(
            tuple(replace(line, discount=pricing.line_discounts.get(line.sku_code, ZERO),
                          promotion=group.get(line.sku_code, "")) for line in lines),
            PromotionSummary(tuple(AppliedView(a.name, a.amount) for a in pricing.applied),
                             tuple(m.message for m in pricing.near_misses)))

    def line_count(self, guest_token: str | None = None) -> int:
        """How many lines the cart has, for the header's badge: one query, none for a visitor
        without a cart token."""
        owner = self._owner(guest_token, strict=False)
        return self._repo.line_count(**owner) if owner else 0

    # -- changing --------------------------------------------------------------------------

    def add(self, data: Mapping[str, Any], guest_token: str | None = None) -> CartChange:
        """Add ``quantity`` of SKU ``sku`` (its code), to the line already holding it if any.

        ``Invalid`` naming ``quantity`` when the line would hold more than the per-line limit
        or than can be bought, ``sku`` when it is not for sale or the cart is full. A guest's
        first add makes the guest's cart and returns its new token; nothing is written when the
        add is refused.
        """
        values = validate(AddToCartSchema(), data)
        sku = self._repo.sale_sku(values["sku"])
        if sku is None:
            raise Invalid({"sku": _("This item is not for sale")})
        # Refused before anything is written: a guest's cart is made only for an add that holds.
        self._check_stock(sku.id, values["quantity"])
        owner = self._owner(guest_token)
        cart = self._repo.find(**owner) if owner else None
        new_token = None
        if cart is None:
            if owner is None or "token_hash" in owner:
                # Only a token the shop issued finds a guest's cart; any other gets a new one.
                new_token = secrets.token_urlsafe(32)
                owner = {"token_hash": token_hash(new_token)}
            cart = self._repo.find_or_create(**owner)
        self._repo.lock(cart.id)
        held = self._repo.quantities(cart.id)
        line = held.get(sku.id)
        quantity = values["quantity"] + (line[1] if line else 0)
        if quantity > MAX_QUANTITY:
            raise Invalid({"quantity": _(
                "At most ${max} of one item; ${held} already in your cart",
                mapping={"max": MAX_QUANTITY, "held": line[1] if line else 0})})
        if line is None and len(held) >= MAX_LINES:
            raise Invalid({"sku": _("Your cart holds at most ${max} items; remove one first",
                                    mapping={"max": MAX_LINES})})
        if line is not None:
            self._check_stock(sku.id, quantity)
        if line is None:
            self._repo.add_line(cart.id, sku.id, quantity, sku.price)
        else:
            # The shopper chose again at today's price: that is now the price they expect.
            self._repo.set_quantity(cart.id, line[0], quantity, sku.price)
        self._repo.touch(cart.id, self.uow.clock.now())
        return CartChange(new_token)

    def set_quantity(self, data: Mapping[str, Any], guest_token: str | None = None) -> None:
        """Make line ``line`` hold ``quantity``; more than can be bought is refused (fewer is
        always allowed, so a short line can be brought down to what is left)."""
        values = validate(LineQuantitySchema(), data)
        cart = self._cart(guest_token)
        line_id = _line_key(values["line"])
        found = self._repo.line_quantity(cart.id, line_id)
        if found is None:
            raise NotFound("no such cart line")
        sku_id, current = found
        if values["quantity"] > current:
            self._check_stock(sku_id, values["quantity"])
        self._repo.set_quantity(cart.id, line_id, values["quantity"])
        self._repo.touch(cart.id, self.uow.clock.now())

    def remove(self, data: Mapping[str, Any], guest_token: str | None = None) -> None:
        values = validate(LineSchema(), data)
        cart = self._cart(guest_token)
        if not self._repo.delete_line(cart.id, _line_key(values["line"])):
            raise NotFound("no such cart line")
        self._repo.touch(cart.id, self.uow.clock.now())

    def select(self, data: Mapping[str, Any], guest_token: str | None = None) -> None:
        """Choose (or stop choosing) line ``line`` for checkout; ``line=all`` every line."""
        values = validate(SelectLinesSchema(), data)
        cart = self._cart(guest_token)
        lines = None if values["line"] == "all" else [_line_key(values["line"])]
        if self._repo.set_selected(cart.id, lines, values["selected"]) == 0 and lines:
            raise NotFound("no such cart line")
        self._repo.touch(cart.id, self.uow.clock.now())

    def merge_at_login(self, guest_token: str | None, session_token: str) -> bool:
        """Sum the guest's cart into the account's whose login session ``session_token`` is,
        up to the per-line and per-cart limits (the oldest guest lines first), and delete the
        guest's cart.

        Holding both tokens proves the caller is both the guest and the shopper, so this is no
        way to fill another's cart. True when the guest token is spent (a shopper logged in),
        whether or not it still had a cart: the caller then forgets it.
        """
        principal = self.uow.sessions.principal(session_token)
        if principal is None or principal.kind != "customer":
            return False
        guest = self._guest_cart(guest_token)
        if guest is None:
            return True
        account = self._repo.find_or_create(customer_id=principal.id)
        self._repo.lock(account.id)
        held = self._repo.quantities(account.id)
        for line in self._repo.lines(guest.id):
            if line.sku_id in held:
                line_id, quantity = held[line.sku_id]
                summed = min(quantity + line.quantity, MAX_QUANTITY)
                if summed != quantity:
                    self._repo.set_quantity(account.id, line_id, summed)
            elif len(held) < MAX_LINES:
                self._repo.add_line(account.id, line.sku_id, line.quantity,
                                    line.price_when_added)
                held[line.sku_id] = (0, line.quantity)
        self._repo.delete(guest.id)
        self._repo.touch(account.id, self.uow.clock.now())
        return True

    # -- steps -----------------------------------------------------------------------------

    def _customer_id(self) -> int | None:
        actor = self.uow.actor
        return actor.id if actor.kind == "shopper" else None

    def _owner(self, guest_token: str | None, *, strict: bool = True) -> dict[str, Any] | None:
        """How to find the actor's cart; None for a guest without a (plausible) token.

        A cart is a shopper's or a visitor's: staff and scripts have none (``Forbidden``, or
        no cart at all when not ``strict``).
        """
        actor = self.uow.actor
        if actor.kind == "shopper" and actor.id is not None:
            return {"customer_id": actor.id}
        if actor.kind != "anonymous":
            if strict:
                raise Forbidden("a cart belongs to a shopper or a visitor")
            return None
        if not guest_token or len(guest_token) > _MAX_TOKEN:
            return None
        return {"token_hash": token_hash(guest_token)}

    def _guest_cart(self, guest_token: str | None) -> CartRecord | None:
        if not guest_token or len(guest_token) > _MAX_TOKEN:
            return None
        return self._repo.find(token_hash=token_hash(guest_token))

    def _cart(self, guest_token: str | None) -> CartRecord:
        owner = self._owner(guest_token)
        cart = self._repo.find(**owner) if owner else None
        if cart is None:
            raise NotFound("no cart")
        return cart

    def _check_stock(self, sku_id: int, quantity: int) -> None:
        available = self.uow.inventory.available([sku_id])[sku_id]
        if available <= 0:
            raise Invalid({"quantity": _("Sold out")})
        if quantity > available:
            raise Invalid({"quantity": _("Only ${count} left", mapping={"count": available})})

    def _labels(self, sku_ids: list[int]) -> dict[int, str]:
        names: dict[int, list[str]] = {}
        for row in self._repo.sku_values(sku_ids):
            names.setdefault(row.sku_id, []).append(
                pick(self.uow.locale, row.value_name_zh, row.value_name_en))
        return {sku_id: " / ".join(values) for sku_id, values in names.items()}

    def _line(self, record: LineRecord, variant: str, available: int) -> CartLineView:
        return CartLineView(
            id=record.id, sku_code=record.sku_code, product_slug=record.product_slug,
            name=pick(self.uow.locale, record.product_name_zh, record.product_name_en),
            variant=variant, image_url=record.cover_image_url, quantity=record.quantity,
            price=record.price, price_when_added=record.price_when_added,
            available=max(available, 0) if record.is_published else 0,
            selected=record.selected, sold_out=not record.is_published or available <= 0)


def _line_key(value: str) -> int:
    key = entity_key(value)
    if key is None:
        raise NotFound("no such cart line")
    return key
