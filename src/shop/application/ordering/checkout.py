"""Checkout (订单确认 and 订单提交): ``uow.checkout``.

``prepare`` is the checkout page: the cart's chosen lines at today's price and stock, the
address book, the shipping methods that serve the chosen address with their fees (the cheapest
preselected), the payment methods this order may use, and the payable breakdown.

``place`` turns the same choices into an order, atomically: the order, its lines (each with its
price, its discount share and a snapshot of its SKU), the invoice request, the first transition,
a reservation per line (and its stock log entries) are written together or not at all (a
savepoint, so a refused order leaves nothing even when the caller commits the rest of its
work). The checkout form's idempotency key makes a double-click or a re-submission return the
order the first one placed. What follows the order (messages, the referral reward) reacts to
``order.placed`` after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.addresses.service import AddressView
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.events.catalog import OrderPlaced
from shop.application.i18n import _
from shop.application.inventory.stock import NotEnoughStock, StockLine
from shop.application.invoicing.service import InvoiceDetails
from shop.application.locales import pick
from shop.application.money import to_money
from shop.application.ordering import payment_methods, states
from shop.application.ordering.desk_schemas import PENDING
from shop.application.ordering.lifecycle import stock_owner
from shop.application.ordering.numbers import draw_order_number
from shop.application.ordering.payment_methods import PaymentChoice
from shop.application.ordering.pricing import ZERO, Breakdown, breakdown
from shop.application.ordering.promotions import CheckoutOffers
from shop.application.ordering.read_models import (
    CheckoutView,
    ItemView,
    PlacedOrder,
    ShippingChoice,
)
from shop.application.ordering.schemas import (
    BuyNowChoiceSchema,
    BuyNowSchema,
    CheckoutChoiceSchema,
    PlaceOrderSchema,
)
from shop.application.promotions.pricing import Priced
from shop.application.shipping.schemas import MAX_GRAMS
from shop.application.validation import validate
from shop.data.repositories.cart import CartRepository, CheckoutLineRecord
from shop.data.repositories.ordering import OrderRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: How long an online order waits for its payment before the close job closes it.
PAY_WITHIN_SETTING = "shop.orders.pay_within_minutes"
DEFAULT_PAY_WITHIN = 30
#: How long a cash-on-delivery order's reservation is expected to last: until it ships.
COD_HOLD = timedelta(days=30)


class CheckoutService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._carts = CartRepository(uow._session)
        self._orders = OrderRepository(uow._session)

    def prepare(self, data: Mapping[str, Any] | None = None) -> CheckoutView:
        """The checkout page for the signed-in shopper, with ``address``, ``shipping_method``,
        ``payment_method`` and ``coupon`` chosen where given (and still possible), else the
        defaults (the best of the shopper's coupons)."""
        customer_id = self._customer_id()
        values = validate(CheckoutChoiceSchema(), data or {})
        return self._prepare(customer_id, values, self._selected(customer_id),
                             flash_sales=self.uow._pricer.cart_sells_flash)

    def prepare_buy_now(self, data: Mapping[str, Any]) -> CheckoutView:
        """The confirmation of a 立即购买 (``buy_now``): ``data`` has ``sku`` (its code) and
        ``quantity``, and the choices of ``prepare`` but a coupon (``buy_now`` takes none
        unless asked). ``Invalid`` names ``sku`` or ``quantity``."""
        customer_id = self._customer_id()
        values = validate(BuyNowChoiceSchema(), {**data, "coupon": ""})
        found = self._carts.sale_sku(values["sku"])
        if found is None:
            raise Invalid({"sku": _("This item is no longer sold")})
        return self._prepare(customer_id, values,
                             self._carts.bought_lines({found.id: values["quantity"]}),
                             flash_sales=True)

    def _prepare(self, customer_id: int, values: Mapping[str, Any],
                 records: Sequence[CheckoutLineRecord], *, flash_sales: bool) -> CheckoutView:
        available = self.uow.inventory.available([r.sku_id for r in records])
        variants = self._variants(records)
        addresses = tuple(self.uow.addresses.list())
        address = _chosen_address(addresses, values["address"])
        totals = [_line_total(r) for r in records]
        items_total = _total(totals)
        quotes = (self.uow.shipping.quote(address.province_code, address.city_code,
                                          _weight(records), items_total)
                  if address is not None and records else [])
        shipping = tuple(ShippingChoice(q.code, q.name, q.fee, q.free) for q in quotes)
        chosen_shipping = next((s for s in shipping if s.code == values["shipping_method"]),
                               shipping[0] if shipping else None)
        fee = chosen_shipping.fee if chosen_shipping else Decimal(0)
        offers = CheckoutOffers(self.uow, customer_id, records, flash_sales=flash_sales)
        priced = offers.price(values["coupon"], values["coupon_code"], fee)
        amounts = _breakdown(totals, offers.fee_after(priced, fee),
                             priced.pricing.discount_total)
        items = tuple(self._item(r, variants.get(r.sku_id, ("", "")), available.get(r.sku_id, 0),
                                 priced.pricing.line_discounts.get(r.sku_code, ZERO))
                      for r in records)
        methods = (self._payment_choices(address.province_code, amounts)
                   if address is not None else ())
        chosen_method = next((m.code for m in methods if m.code == values["payment_method"]),
                             methods[0].code if methods else None)
        return CheckoutView(
            items=items, addresses=addresses,
            address_id=address.id if address is not None else None, shipping=shipping,
            shipping_method=chosen_shipping.code if chosen_shipping else None,
            payment_methods=methods, payment_method=chosen_method, breakdown=amounts,
            idempotency_key=secrets.token_urlsafe(24),
            promotions=offers.summary(priced, self._gifts(priced, records)),
            coupons=offers.choices(), coupon=offers.chosen(priced))

    def place(self, data: Mapping[str, Any]) -> PlacedOrder:
        """Place the order for the cart's chosen lines.

        ``data``: ``idempotency_key`` (from ``prepare``), ``address`` (an address-book id),
        ``shipping_method``, ``payment_method`` (``online`` or ``cod``), ``invoice`` (a mapping
        for ``uow.invoices.resolve``; none when left out), ``remarks``, ``coupon`` (what
        ``prepare`` chose, ``CheckoutView.coupon``; none when left out), and optionally
        ``expected_payable`` (the amount the shopper saw: the order is refused if that changed).
        The live campaigns apply by themselves; one that ran out since (a flash sale's quota,
        a coupon used in another tab) refuses the order with ``Conflict`` before anything is
        paid.

        ``Invalid`` names a bad field; ``Conflict`` says what changed (sold out, price, an item
        no longer sold). The same key again returns the order already placed.
        """
        customer_id = self._customer_id()
        values = validate(PlaceOrderSchema(), data)
        # One checkout of a cart at a time: a double-click waits here, then finds its order.
        cart = self._carts.find(customer_id=customer_id, lock=True)
        already = self._orders.number_for_key(customer_id, values["idempotency_key"])
        if already is not None:
            return self._placed(already)
        records = self._carts.selected_lines(cart.id) if cart is not None else []
        if cart is None or not records:
            raise Invalid({"items": _("Choose at least one item in your cart")})
        cart_id = cart.id
        return self._place(customer_id, values, records, data.get("invoice"),
                           then=lambda _order_id: self._carts.delete_skus(
                               cart_id, [r.sku_id for r in records]),
                           flash_sales=self.uow._pricer.cart_sells_flash)

    def buy_now(self, data: Mapping[str, Any], *, flash_sale: int | None = None,
                priced_at: datetime | None = None) -> PlacedOrder:
        """Place an order for one SKU without the cart (立即购买): ``data`` as for ``place``
        with ``sku`` (its code) and ``quantity`` instead of the cart's lines (the cart is left
        as it is). With ``flash_sale`` (a flash-sale campaign's id) every unit must get that
        sale's price, or ``Conflict``: the order is not placed at a price the buyer did not
        ask for because the sale ended or its quota, or their share of it, ran out.
        ``priced_at``: the moment the campaigns are read at (a queued buy's admission), else
        now."""
        customer_id = self._customer_id()
        values = validate(BuyNowSchema(), data)
        # The shopper's cart row is what makes their checkouts one at a time, this one too:
        # a per-shopper limit is read, then taken.
        cart = self._carts.find_or_create(customer_id=customer_id)
        self._carts.lock(cart.id)
        already = self._orders.number_for_key(customer_id, values["idempotency_key"])
        if already is not None:
            return self._placed(already)
        sku = self._carts.sale_sku(values["sku"])
        if sku is None:
            raise Invalid({"sku": _("This item is no longer sold")})
        records = self._carts.bought_lines({sku.id: values["quantity"]})
        return self._place(customer_id, values, records, data.get("invoice"),
                           flash_sale=flash_sale, priced_at=priced_at)

    def _place(self, customer_id: int, values: Mapping[str, Any],
               records: Sequence[CheckoutLineRecord], invoice_data: Any, *,
               then: Callable[[int], None] | None = None, flash_sales: bool = True,
               flash_sale: int | None = None, priced_at: datetime | None = None,
               address: AddressView | None = None,
               marks: Mapping[str, Any] | None = None) -> PlacedOrder:
        """The order for ``records`` as ``values`` chose, with ``then(order_id)`` done in the
        same savepoint; see ``place``. The order entry (``shop.application.ordering.entry``)
        passes the shopper's ``address`` itself (staff typed it in, or chose one of the
        shopper's) and ``marks``: more ``Order`` columns (who entered it)."""
        shown = self.uow.catalog.reference().shown_ids
        # Unpublished, or in a category staff hid (with everything under it).
        withdrawn = next((r for r in records
                          if not r.is_published or r.category_id not in shown), None)
        if withdrawn is not None:
            raise Conflict(_("${name} is no longer sold: remove it from your cart", mapping={
                "name": pick(self.uow.locale, withdrawn.product_name_zh,
                             withdrawn.product_name_en)}))
        if address is None:
            address = self._address(values["address"])
        totals = [_line_total(r) for r in records]
        shipping = self.uow.shipping.price(values["shipping_method"], address.province_code,
                                           address.city_code, _weight(records),
                                           _total(totals))
        offers = CheckoutOffers(self.uow, customer_id, records, flash_sales=flash_sales,
                                at=priced_at)
        priced = offers.price(values["coupon"], values["coupon_code"], shipping.fee)
        if flash_sale is not None and any(priced.flash_units(flash_sale, line) < line.quantity
                                          for line in offers.lines):
            raise Conflict(_("Sold out at the flash sale price"))
        amounts = _breakdown(totals, offers.fee_after(priced, shipping.fee),
                             priced.pricing.discount_total)
        method = values["payment_method"]
        if method not in {m.code for m in self._payment_choices(address.province_code,
                                                                  amounts)}:
            raise Invalid({"payment_method": _(
                "Cash on delivery is not offered for this address or amount")})
        expected = values["expected_payable"]
        if expected is not None and expected != amounts.payable:
            raise Conflict(_("The amount to pay is now ¥${payable} (it was ¥${expected}): "
                             "check your order and submit it again",
                             mapping={"payable": amounts.payable, "expected": expected}))
        with self._orders.savepoint():
            # Inside: a title the shopper asked to keep is kept only with the order.
            invoice = (self.uow.invoices.resolve(invoice_data) if invoice_data
                       else InvoiceDetails.NONE)
            gifts = self._gifts(priced, records)
            order_id, placed = self._write(customer_id, values, records, gifts,
                                           address, shipping.code, shipping.name, amounts,
                                           invoice, priced.pricing.line_discounts, marks)
            offers.take(priced, order_id, gifts)
            if then is not None:
                then(order_id)
            self.uow._events.record(OrderPlaced.name, OrderPlaced(
                order_id=order_id, customer_id=customer_id).to_payload())
        return placed

    def _place_priced(self, customer_id: int, values: Mapping[str, Any],
                      records: Sequence[CheckoutLineRecord], address: AddressView,
                      shipping: tuple[str, str], amounts: Breakdown,
                      discounts: Mapping[str, Decimal], marks: Mapping[str, Any],
                      then: Callable[[int], None]) -> tuple[int, PlacedOrder]:
        """An order whose amounts the caller fixed rather than the shop's campaigns (what an
        external platform collected; a zero-amount gift): the same rows, reservation and
        ``order.placed`` as ``_place``, in a savepoint with ``then(order_id)``. ``shipping``
        is the method's (code, name); ``discounts`` each line's share of
        ``amounts.discount_total`` by SKU code. The order entry's step."""
        with self._orders.savepoint():
            order_id, placed = self._write(customer_id, values, records, (), address,
                                           shipping[0], shipping[1], amounts,
                                           InvoiceDetails.NONE, discounts, marks)
            then(order_id)
            self.uow._events.record(OrderPlaced.name, OrderPlaced(
                order_id=order_id, customer_id=customer_id).to_payload())
        return order_id, placed

    # -- steps ---------------------------------------------------------------------------------

    def _write(self, customer_id: int, values: Mapping[str, Any],
               bought: Sequence[CheckoutLineRecord], gifts: Sequence[CheckoutLineRecord],
               address: AddressView, shipping_code: str,
               shipping_name: str, amounts: Breakdown, invoice: InvoiceDetails,
               discounts: Mapping[str, Decimal],
               marks: Mapping[str, Any] | None = None) -> tuple[int, PlacedOrder]:
        """The order's rows (the lines bought, then the gifts at ¥0); its id, and what the
        shopper is told. ``marks``: more ``Order`` columns (the order entry's)."""
        records = [*bought, *gifts]
        now = self.uow.clock.now()
        method = values["payment_method"]
        # Online and external payments come before shipping; cash on delivery and a
        # zero-amount order (nothing to pay) are ready to ship at once.
        online = method in payment_methods.PAID_BEFORE_SHIPPING
        pay_by = now + timedelta(minutes=self._pay_within()) if online else None
        state = states.AWAITING_PAYMENT if online else states.AWAITING_SHIPMENT
        header = {
            "customer_id": customer_id, "idempotency_key": values["idempotency_key"],
            "state": state, "pay_by": pay_by, "payment_method": values["payment_method"],
            "items_total": amounts.items_total, "discount_total": amounts.discount_total,
            "shipping_fee": amounts.shipping_fee, "covered_total": amounts.covered_total,
            "payable": amounts.payable, "weight_grams": _weight(records),
            "shipping_method_code": shipping_code, "shipping_method_name": shipping_name,
            "recipient": address.recipient, "mobile": address.mobile,
            "province_code": address.province_code, "city_code": address.city_code,
            "district_code": address.district_code, "street": address.street,
            "postcode": address.postcode, "remarks": values["remarks"],
            # Cash on delivery is ready to ship at once: when the shop reviews orders, it
            # waits for its review (``shop.application.ordering.review``).
            "review": (PENDING if method == payment_methods.CASH_ON_DELIVERY
                       and self.uow.order_review.enabled() else None),
            "channel": self.uow.channel, **(marks or {})}
        zone = self.uow.settings.current().zone
        number = draw_order_number(now, zone)
        order_id = self._orders.insert({**header, "number": number})
        while order_id is None:
            number = draw_order_number(now, zone)
            order_id = self._orders.insert({**header, "number": number})
        variants = self._variants(records)
        totals = [_line_total(r) for r in records]
        shares = [discounts.get(r.sku_code, ZERO) for r in bought] + [ZERO] * len(gifts)
        self._orders.add_parts(
            [{"order_id": order_id, "position": position, "sku_id": r.sku_id,
              "product_id": r.product_id, "sku_code": r.sku_code,
              "product_slug": r.product_slug, "name_zh": r.product_name_zh,
              "name_en": r.product_name_en,
              "variant_zh": variants.get(r.sku_id, ("", ""))[0],
              "variant_en": variants.get(r.sku_id, ("", ""))[1],
              "image_url": r.cover_image_url, "weight_grams": r.weight_grams,
              "unit_price": r.price, "quantity": r.quantity, "line_total": total,
              "discount_share": share, "reserves_stock": r.reserves_stock}
             for position, (r, total, share) in enumerate(zip(records, totals, shares,
                                                               strict=True))],
            _invoice_row(order_id, invoice))
        self._orders.log(order_id, "", state, self.uow.actor.name)
        held_quantities: dict[int, int] = {}
        for r in records:
            if r.reserves_stock:
                held_quantities[r.sku_id] = held_quantities.get(r.sku_id, 0) + r.quantity
        held = [StockLine(sku_id, quantity) for sku_id, quantity in held_quantities.items()]
        if held:
            # Last, so the stock rows other checkouts wait for are locked for the shortest time.
            try:
                self.uow._stock.reserve(stock_owner(number), held,
                                        pay_by or now + COD_HOLD)
            except NotEnoughStock as short:
                record = next(r for r in records if r.sku_id == short.sku_id)
                raise Conflict(_("Only ${available} of ${name} ${variant} left: change the "
                                 "quantity in your cart", mapping={
                                     "available": short.available,
                                     "name": pick(self.uow.locale, record.product_name_zh,
                                                  record.product_name_en),
                                     "variant": pick(self.uow.locale,
                                                     *variants.get(record.sku_id, ("", "")))})
                               ) from None
        return order_id, PlacedOrder(number, state, values["payment_method"], amounts.payable,
                                     pay_by)

    def _gifts(self, priced: Priced,
               bought: Sequence[CheckoutLineRecord]) -> list[CheckoutLineRecord]:
        """The gifts the price earned (满赠), as ¥0 lines, while their stock lasts (after what
        the order buys of the same SKU): a gift out of stock or no longer sold is left out
        rather than refusing the order."""
        wanted: dict[int, int] = {}
        for gift in priced.pricing.gifts:
            wanted[gift.sku_id] = wanted.get(gift.sku_id, 0) + gift.quantity
        if not wanted:
            return []
        lines = self._carts.gift_lines(wanted)
        available = self.uow.inventory.available([line.sku_id for line in lines])
        taken = {r.sku_id: r.quantity for r in bought}
        return [line for line in lines if not line.reserves_stock
                or available.get(line.sku_id, 0) - taken.get(line.sku_id, 0) >= line.quantity]

    def _placed(self, number: str) -> PlacedOrder:
        found = self._orders.find(number)
        if found is None:  # pragma: no cover - the key was just read in this transaction
            raise NotFound("no such order")
        return PlacedOrder(found.number, found.state, found.payment_method, found.payable,
                           found.pay_by)

    def _customer_id(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("checkout is for a signed-in shopper")
        return actor.id

    def _selected(self, customer_id: int) -> list[CheckoutLineRecord]:
        cart = self._carts.find(customer_id=customer_id)
        return self._carts.selected_lines(cart.id) if cart is not None else []

    def _address(self, address_id: str) -> AddressView:
        try:
            return self.uow.addresses.get(address_id)
        except NotFound:
            raise Invalid({"address": _("Choose a shipping address")}) from None

    def _payment_choices(self, province_code: str,
                         amounts: Breakdown) -> tuple[PaymentChoice, ...]:
        rule = payment_methods.cod_rule(self.uow.shop.settings)
        return tuple(PaymentChoice(code, payment_methods.LABELS[code],
                                   payment_methods.NOTES[code])
                     for code in payment_methods.eligible_methods(rule, province_code,
                                                                  amounts.payable))

    def _pay_within(self) -> int:
        raw = self.uow.shop.settings.get(PAY_WITHIN_SETTING, DEFAULT_PAY_WITHIN)
        try:
            minutes = int(raw)
        except (TypeError, ValueError):
            minutes = 0
        if minutes <= 0:
            raise Invalid({PAY_WITHIN_SETTING: "must be a whole number of minutes above 0"})
        return minutes

    def _variants(self, records: Sequence[CheckoutLineRecord]) -> dict[int, tuple[str, str]]:
        """Each SKU's variant ("红色 / M", "Red / M"), in Chinese and English: one query."""
        names: dict[int, list[tuple[str, str]]] = {}
        for row in self._carts.sku_values([r.sku_id for r in records]):
            names.setdefault(row.sku_id, []).append((row.value_name_zh, row.value_name_en))
        return {sku_id: (" / ".join(zh for zh, _en in values),
                         " / ".join(en or zh for zh, en in values))
                for sku_id, values in names.items()}

    def _item(self, record: CheckoutLineRecord, variant: tuple[str, str],
              available: int, discount: Decimal) -> ItemView:
        return ItemView(
            sku_code=record.sku_code, product_slug=record.product_slug,
            name=pick(self.uow.locale, record.product_name_zh, record.product_name_en),
            variant=pick(self.uow.locale, *variant), image_url=record.cover_image_url,
            unit_price=record.price, quantity=record.quantity,
            line_total=_line_total(record), discount_share=discount,
            # A product sold without reservation (付款减库存) may be ordered beyond its stock.
            available=(max(available, 0) if record.reserves_stock else record.quantity)
            if record.is_published
            and record.category_id in self.uow.catalog.reference().shown_ids else 0)


def _total(amounts: Sequence[Decimal]) -> Decimal:
    """What the lines come to; ``Invalid`` past the largest amount an order can hold."""
    try:
        return to_money(sum(amounts, Decimal(0)))
    except ValueError:
        raise Invalid({"items": _("Too much for one order: buy fewer items")}) from None


def _weight(records: Sequence[CheckoutLineRecord]) -> int:
    grams = sum(r.weight_grams * r.quantity for r in records)
    if grams > MAX_GRAMS:
        raise Invalid({"items": _("Too heavy for one parcel: buy fewer items")})
    return grams


def _breakdown(totals: Sequence[Decimal], shipping_fee: Decimal,
               discount: Decimal) -> Breakdown:
    try:
        return breakdown(totals, shipping_fee, discount=discount)
    except ValueError:
        raise Invalid({"items": _("Too much for one order: buy fewer items")}) from None


def _line_total(record: CheckoutLineRecord) -> Decimal:
    return _total([record.price * record.quantity])


def _chosen_address(addresses: Sequence[AddressView], wanted: str | None) -> AddressView | None:
    by_id = {str(a.id): a for a in addresses}
    if wanted in by_id:
        return by_id[wanted]
    return next((a for a in addresses if a.is_default), addresses[0] if addresses else None)


def _invoice_row(order_id: int, invoice: InvoiceDetails) -> dict[str, Any] | None:
    if not invoice.wanted:
        return None
    return {"order_id": order_id, **{field: getattr(invoice, field) for field in (
        "kind", "title_kind", "title", "tax_code", "bank_name", "bank_account",
        "company_address", "company_phone")}}
