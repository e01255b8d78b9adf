"""Orders staff enter (订单录入): ``uow.order_entry``.

Three ways an order reaches the shop other than a shopper's checkout, each through the
checkout's own order-writing path (``CheckoutService._place`` / ``_place_priced``: the same
rows, line snapshots, stock reservation, ``order.placed`` event), never a copy of it:

- **Phone orders** (电话订购, ``phone_order``): for an existing customer found by mobile or
  email, or a new one made on the spot from a mobile number and a name (no password: they
  claim the account by logging in with a code). The shop's prices and campaigns apply as at the
  shopper's own checkout, under the ``phone`` channel; paid on delivery, or online by the
  shopper from their order center.
- **Group-buy imports** (外部团购订单, ``import_group_buy``): a CSV of orders an external
  platform sold and collected the money for. Each becomes an order paid by an ``external``
  tender of exactly what the platform collected (the ledger moves it ``gateway:external`` →
  the order → ``shop:sales``). De-duplicated by (platform, external_id), also in the database;
  a dry run reports bad rows by line and field; the import is all or nothing.
- **Zero-amount orders** (无金额订单, ``zero_amount_order``): a gift or a replacement at ¥0
  with a reason. It holds its stock like any order and may not ship until a second staff
  member (not the one who entered it) approves it (``decide``); a rejected one is cancelled
  and its stock released.

Every entry needs ``order:order:manage``, records who entered it (``Order.entered_by`` and the
order's first transition) and is audited. A refused entry writes nothing, not even the new
customer.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.accounts.customers import CustomerAccounts
from shop.application.actors import Permission
from shop.application.addresses.schemas import deserialize_address, region_errors
from shop.application.addresses.service import AddressView
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.mobile import display_mobile, mainland_mobile
from shop.application.ordering import states
from shop.application.ordering.entry_schemas import (
    APPROVED,
    IMPORT_COLUMNS,
    MAX_IMPORT_ROWS,
    MAX_LINES,
    PENDING,
    REJECTED,
    DecisionSchema,
    GroupBuyImportSchema,
    PhoneOrderSchema,
    ZeroAmountOrderSchema,
)
from shop.application.ordering.payment_methods import EXTERNAL, NO_PAYMENT
from shop.application.ordering.pricing import ZERO, breakdown
from shop.application.regions.table import CITY, DISTRICT, PROVINCE, address_names, region_table
from shop.application.sales_channels import GROUP_BUY, PHONE
from shop.application.validation import validate
from shop.data.repositories.cart import CartRepository, CheckoutLineRecord
from shop.data.repositories.order_desk import OrderDeskRepository
from shop.data.repositories.order_entry import OrderEntryRepository
from shop.data.repositories.ordering import OrderRecord, OrderRepository
from shop.data.repositories.shipping import ShippingRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

ADDRESS_FIELDS = ("recipient", "mobile", "province", "city", "district", "street", "postcode")
QUEUE_SIZE = 100
_MAX_QUANTITY = 99
_AMOUNT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?\Z")
_ITEM_LINE = re.compile(r"(\S+?)(?:\s*[×*,，]\s*|\s+(?:[xX]\s*)?)([0-9]+)")
_ITEM_SEPARATORS = re.compile(r"[\s,，×*]")


class ImportedMeanwhile(Conflict):
    """Another import made a row's order after this one read the file: nothing is kept."""


@dataclass(frozen=True)
class CustomerMatch:
    """A customer staff found, with their address book."""

    id: int
    name: str
    mobile: str
    email: str
    addresses: tuple[AddressView, ...]


@dataclass(frozen=True)
class EnteredOrder:
    number: str
    state: str
    payable: Decimal
    customer_id: int
    #: Whether the customer was created with the order.
    new_customer: bool


@dataclass(frozen=True)
class ApprovalRow:
    """A zero-amount order in the approval queue."""

    number: str
    placed_at: datetime
    recipient: str
    mobile: str
    address: str
    items: str
    reason: str
    entered_by: str
    #: False for the one who entered it: another person decides.
    may_decide: bool


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: Any  # a translation string


@dataclass(frozen=True)
class Duplicate:
    line: int
    platform: str
    external_id: str
    number: str


@dataclass(frozen=True)
class ImportReport:
    dry_run: bool
    rows: int
    #: The orders made (none on a dry run).
    created: tuple[str, ...]
    #: How many orders the file makes (a dry run: would make).
    new_rows: int
    duplicates: tuple[Duplicate, ...]
    errors: tuple[RowError, ...]


@dataclass(frozen=True)
class _GroupBuyRow:
    line: int
    external_id: str
    platform: str
    address: AddressView
    sku_id: int
    quantity: int
    paid: Decimal
    paid_at: datetime


class OrderEntryService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = OrderEntryRepository(uow._session)
        self._orders = OrderRepository(uow._session)
        self._carts = CartRepository(uow._session)
        self._customers = CustomerAccounts(uow)

    # -- the form's choices ------------------------------------------------------------------

    def shipping_choices(self) -> list[tuple[str, str]]:
        """The active shipping methods as (code, name), for the entry forms."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        return [(m.code, pick(self.uow.locale, m.name_zh, m.name_en))
                for m in ShippingRepository(self.uow._session).all() if m.is_active]

    # -- customers ---------------------------------------------------------------------------

    def find_customer(self, text: str) -> CustomerMatch | None:
        """The customer whose mobile number or email ``text`` is, with their addresses."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        customer = self._lookup(text)
        if customer is None:
            return None
        shopper = self._customers.actor_for(customer.id)
        addresses = (tuple(self.uow.acting_as(shopper).addresses.list())
                     if shopper.kind == "shopper" else ())
        return CustomerMatch(customer.id, customer.name or "",
                             display_mobile(customer.mobile) if customer.mobile else "",
                             customer.email or "", addresses)

    def _lookup(self, text: str) -> Any:
        text = (text or "").strip()
        if "@" in text:
            return self._customers.repo.by_email(text.lower()[:254])
        mobile = mainland_mobile(text[:30])
        return self._customers.repo.by_mobile(mobile) if mobile else None

    def _customer(self, values: Mapping[str, Any]) -> tuple[int, bool]:
        """The order's customer: found, or made now when asked; (id, made now)."""
        found = self._lookup(values["customer"])
        if found is not None:
            if self._customers.actor_for(found.id).kind != "shopper":
                raise Invalid({"customer": _("This customer's account is deactivated")})
            return found.id, False
        if not values["new_customer"]:
            raise Invalid({"customer": _("No customer has this mobile number or email: tick "
                                         "“Create the customer” to make one")})
        mobile = mainland_mobile(values["customer"][:30])
        if mobile is None:
            raise Invalid({"customer": _("A new customer needs a mainland mobile number")})
        if not values["customer_name"]:
            raise Invalid({"customer_name": _("Enter the new customer's name")})
        return self._new_customer(mobile, values["customer_name"]), True

    def _new_customer(self, mobile: str, name: str) -> int:
        try:
            customer = self._customers.new_customer(mobile=mobile, name=name)
        except Conflict:
            raise Invalid({"customer": _("This mobile number has an account already")}) \
                from None
        self._customers.registered(customer)
        return customer.id

    # -- phone orders ------------------------------------------------------------------------

    def phone_order(self, data: Mapping[str, Any]) -> EnteredOrder:
        """Enter a phone order (``PhoneOrderSchema``): the shop's prices and campaigns, the
        ``phone`` channel, paid on delivery or online by the shopper. The same
        ``idempotency_key`` again returns the order already entered. Audited
        (``order.entry.phone``)."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(PhoneOrderSchema(), data)
        with self._orders.savepoint():  # a refused order leaves no new customer behind
            customer_id, created = self._customer(values)
            # The shopper's cart row makes their checkouts one at a time, this one too.
            cart = self._carts.find_or_create(customer_id=customer_id)
            self._carts.lock(cart.id)
            already = self._orders.number_for_key(customer_id, values["idempotency_key"])
            if already is not None:
                return self._entered(already, customer_id, False)
            records = self._carts.bought_lines(self._items(values["items"]))
            address = self._address(customer_id, values, data)
            checkout = self.uow.acting_as(self.uow.actor, channel=PHONE).checkout
            placed = checkout._place(
                customer_id, {**values, "coupon": "", "coupon_code": "",
                              "expected_payable": None},
                records, None, address=address, marks={"entered_by": self.uow.actor.name},
                then=lambda order_id: self._repo.add({"order_id": order_id, "kind": "phone"}))
        self.uow._audit.record("order.entry.phone", "order", placed.number, after={
            "customer_id": customer_id, "new_customer": created, "payable": str(placed.payable),
            "payment_method": placed.payment_method, "items": values["items"]})
        return EnteredOrder(placed.number, placed.state, placed.payable, customer_id, created)

    # -- zero-amount orders ------------------------------------------------------------------

    def zero_amount_order(self, data: Mapping[str, Any]) -> EnteredOrder:
        """Enter a zero-amount order (``ZeroAmountOrderSchema``: a ``reason`` is required):
        every line at ¥0, shipping at the shop's cost, stock reserved; it waits for a second
        person's approval before it ships. Audited (``order.entry.zero_amount``)."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(ZeroAmountOrderSchema(), data)
        with self._orders.savepoint():
            customer_id, created = self._customer(values)
            cart = self._carts.find_or_create(customer_id=customer_id)
            self._carts.lock(cart.id)  # a double-click waits here, then finds its order
            already = self._orders.number_for_key(customer_id, values["idempotency_key"])
            if already is not None:
                return self._entered(already, customer_id, False)
            quantities = self._items(values["items"])
            records = self._carts.gift_lines(quantities)  # each at ¥0
            address = self._address(customer_id, values, data)
            shipping = self.uow.shipping.price(values["shipping_method"],
                                               address.province_code, address.city_code,
                                               _weight(records), ZERO)
            amounts = breakdown([ZERO for _r in records], ZERO)
            _order_id, placed = self.uow.checkout._place_priced(
                customer_id, {**values, "payment_method": NO_PAYMENT}, records, address,
                (shipping.code, shipping.name), amounts, {},
                {"entered_by": self.uow.actor.name, "approval": PENDING, "channel": PHONE},
                lambda order_id: self._repo.add({"order_id": order_id, "kind": "zero_amount",
                                                 "reason": values["reason"]}))
        self.uow._audit.record("order.entry.zero_amount", "order", placed.number, after={
            "customer_id": customer_id, "new_customer": created, "reason": values["reason"],
            "items": values["items"]})
        return EnteredOrder(placed.number, placed.state, placed.payable, customer_id, created)

    def _replacement(self, original: OrderRecord, quantities: Mapping[int, int],
                     reason: str, idempotency_key: str) -> tuple[int, str]:
        """A zero-amount order approved at once that sends ``quantities`` ({SKU id: units})
        again to ``original``'s customer and address by its shipping method, free: an
        exchange's replacement, whose request's approval by staff was the second look. Its
        lines are at ¥0 whether or not their products are still on sale. For a service that
        checked its own permission (``uow.rma``); the actor is recorded as who entered and
        who decided it. Audited (``order.entry.zero_amount``). Its id and number."""
        records = self._carts.replacement_lines(quantities)
        address = AddressView(0, original.recipient, original.mobile,
                              display_mobile(original.mobile), original.province_code,
                              original.city_code, original.district_code,
                              address_names((original.province_code, original.city_code,
                                             original.district_code), self.uow.locale),
                              original.street, original.postcode, False)
        actor, now = self.uow.actor.name, self.uow.clock.now()
        order_id, placed = self.uow.checkout._place_priced(
            original.customer_id, {"idempotency_key": idempotency_key,
                                   "payment_method": NO_PAYMENT, "remarks": ""},
            records, address, (original.shipping_method_code, original.shipping_method_name),
            breakdown([ZERO for _r in records], ZERO), {},
            {"entered_by": actor, "approval": APPROVED, "channel": PHONE},
            lambda order_id: self._repo.add({"order_id": order_id, "kind": "zero_amount",
                                             "reason": reason, "decided_by": actor,
                                             "decided_at": now}))
        self.uow._audit.record("order.entry.zero_amount", "order", placed.number, after={
            "customer_id": original.customer_id, "reason": reason, "approval": APPROVED,
            "items": "\n".join(f"{r.sku_code} {r.quantity}" for r in records)})
        return order_id, placed.number

    def approval_queue(self) -> list[ApprovalRow]:
        """The zero-amount orders waiting for approval, oldest first (two queries)."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        found = self._repo.awaiting_approval(QUEUE_SIZE)
        lines = self._orders.lines([order.id for order, _entry in found])
        locale = self.uow.locale
        return [ApprovalRow(
            number=order.number, placed_at=order.placed_at, recipient=order.recipient,
            mobile=display_mobile(order.mobile),
            address=" ".join((*address_names((order.province_code, order.city_code,
                                              order.district_code), locale), order.street)),
            items=", ".join(f"{line.sku_code} × {line.quantity}" for line in lines[order.id]),
            reason=entry.reason, entered_by=order.entered_by or "",
            may_decide=order.entered_by != self.uow.actor.name) for order, entry in found]

    def decide(self, number: str, data: Mapping[str, Any]) -> None:
        """Approve a zero-amount order (it may ship) or reject it (``note`` says why: it is
        cancelled and its stock released). Not by the staff member who entered it.
        Audited (``order.entry.approve`` / ``order.entry.reject``)."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(DecisionSchema(), data)
        order = self._orders.find(number) if isinstance(number, str) else None
        if order is None or order.approval is None:
            raise NotFound("no such zero-amount order")
        if order.approval != PENDING or order.state in (states.CANCELLED, states.CLOSED):
            raise Conflict(_("This order was decided already"))
        if order.entered_by == self.uow.actor.name:
            raise Forbidden(_("You entered this order: another staff member must approve it"))
        reject = values["decision"] == "reject"
        if reject and not values["note"]:
            raise Invalid({"note": _("Say why the order is rejected")})
        with self._orders.savepoint():
            if not self._repo.decide(order.id, REJECTED if reject else APPROVED,
                                     self.uow.actor.name, self.uow.clock.now()):
                raise Conflict(_("This order was decided already"))
            if reject:
                self.uow.orders.call_off(order.number, values["note"][:100])
            label = _("Zero-amount order rejected") if reject else \
                _("Zero-amount order approved")
            OrderDeskRepository(self.uow._session).add_note(
                order.id, self.uow.actor.name,
                f"{label.interpolate()}: {values['note']}" if values["note"]
                else label.interpolate())
        self.uow._audit.record(f"order.entry.{values['decision']}", "order", order.number,
                               before={"approval": PENDING},
                               after={"approval": REJECTED if reject else APPROVED,
                                      "note": values["note"]})

    # -- group-buy imports -------------------------------------------------------------------

    def import_group_buy(self, data: Mapping[str, Any]) -> ImportReport:
        """Import a group-buy CSV (``content``; see the README for its columns). ``dry_run``:
        check only, and report what it would do. Rows already imported (same platform and
        external id) are reported as duplicates and skipped. Bad rows: a dry run reports them;
        an import raises ``Invalid`` keyed ``"<line>.<field>"`` and writes nothing. The orders
        are made all together or not at all. Audited (``order.entry.import``)."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(GroupBuyImportSchema(), data)
        rows, errors, count = self._parse(values["content"])
        taken = self._repo.taken([(r.platform, r.external_id) for r in rows])
        duplicates = tuple(Duplicate(r.line, r.platform, r.external_id,
                                     taken[(r.platform, r.external_id)])
                           for r in rows if (r.platform, r.external_id) in taken)
        new = [r for r in rows if (r.platform, r.external_id) not in taken]
        if errors and not values["dry_run"]:
            raise Invalid({f"{e.line}.{e.field}": e.message for e in errors},
                          "the file has bad rows")
        if values["dry_run"] or errors:
            return ImportReport(True, count, (), len(new), duplicates, tuple(errors))
        created: list[str] = []
        with self._orders.savepoint():
            for row in new:
                created.append(self._import_row(row))
        if created or duplicates:
            self.uow._audit.record("order.entry.import", "order", None, after={
                "rows": count, "created": created,
                "duplicates": [f"{d.platform}:{d.external_id}" for d in duplicates]})
        return ImportReport(False, count, tuple(created), len(created), duplicates, ())

    def _import_row(self, row: _GroupBuyRow) -> str:
        found = self._customers.repo.by_mobile(row.address.mobile)
        customer_id = found.id if found is not None else self._new_customer(
            row.address.mobile, row.address.recipient)
        records = self._carts.bought_lines({row.sku_id: row.quantity})
        total = records[0].price * row.quantity
        # What the platform collected is the order's payable: below the shop's price the
        # difference is the platform's discount, above it the platform charged shipping.
        amounts = breakdown([total], max(row.paid - total, ZERO),
                            discount=max(total - row.paid, ZERO))
        quotes = self.uow.shipping.quote(row.address.province_code, row.address.city_code,
                                         _weight(records), total)
        if not quotes:
            raise Invalid({f"{row.line}.province": _("No shipping method delivers here")})
        try:
            order_id, placed = self.uow.checkout._place_priced(
                customer_id, {"idempotency_key": secrets.token_urlsafe(24),
                              "payment_method": EXTERNAL, "remarks": ""},
                records, row.address, (quotes[0].code, quotes[0].name), amounts,
                {records[0].sku_code: amounts.discount_total},
                {"entered_by": self.uow.actor.name, "channel": GROUP_BUY},
                lambda order_id: self._add_external(order_id, row))
        except ImportedMeanwhile:
            raise
        except Conflict as exc:  # too few in stock
            raise Invalid({f"{row.line}.quantity": exc.args[0]}) from None
        order = self._orders.find_by_id(order_id)
        assert order is not None
        self.uow.payments.record_external(order, row.external_id, row.paid, row.paid_at)
        return placed.number

    def _add_external(self, order_id: int, row: _GroupBuyRow) -> None:
        if not self._repo.add_unless_taken({"order_id": order_id, "kind": "group_buy",
                                            "platform": row.platform,
                                            "external_id": row.external_id}):
            raise ImportedMeanwhile(_("Line ${line}: this order was imported meanwhile; "
                             "import the file again", mapping={"line": row.line}))

    def _parse(self, content: str) -> tuple[list[_GroupBuyRow], list[RowError], int]:
        """The file's good rows, its errors by line and field, and how many rows it has."""
        errors: list[RowError] = []
        reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in IMPORT_COLUMNS if c not in header]
        if missing:
            raise Invalid({"content": _("The header row lacks: ${columns}", mapping={
                "columns": ", ".join(missing)})})
        raw_rows = []
        try:
            for raw in reader:
                raw_rows.append((reader.line_num, {(k or "").strip(): (v or "").strip()
                                                   for k, v in raw.items() if k is not None}))
                if len(raw_rows) > MAX_IMPORT_ROWS:
                    raise Invalid({"content": _("At most ${max} rows a file", mapping={
                        "max": MAX_IMPORT_ROWS})})
        except csv.Error as exc:  # a field past csv's limit, a stray NUL: the file is bad
            raise Invalid({"content": _("Line ${line} cannot be read as CSV: ${reason}",
                                        mapping={"line": reader.line_num,
                                                 "reason": str(exc)[:100]})}) from exc
        skus = self._repo.skus_by_code({r["sku_code"] for _line, r in raw_rows
                                        if r["sku_code"]})
        rows: list[_GroupBuyRow] = []
        seen: set[tuple[str, str]] = set()
        for line, raw in raw_rows:
            row_errors: dict[str, Any] = {}
            parsed = self._row(line, raw, skus, row_errors)
            if parsed is not None and (parsed.platform, parsed.external_id) in seen:
                row_errors["external_id"] = _("Repeated in this file")
            errors.extend(RowError(line, field, message) for field, message in row_errors.items())
            if parsed is not None and not row_errors:
                seen.add((parsed.platform, parsed.external_id))
                rows.append(parsed)
        return rows, errors, len(raw_rows)

    def _row(self, line: int, raw: Mapping[str, str], skus: Mapping[str, int],
             errors: dict[str, Any]) -> _GroupBuyRow | None:
        # One platform order is one key however it is typed: "Meituan" and "meituan ", a
        # full-width "ＭＴ－１" and "MT-1" (NFKC). The order id keeps its case.
        external_id = unicodedata.normalize("NFKC", raw["external_id"]).strip()
        platform = unicodedata.normalize("NFKC", raw["platform"]).strip().casefold()
        if not 1 <= len(external_id) <= 64:
            errors["external_id"] = _("Enter the platform's order id (at most 64 characters)")
        if not 1 <= len(platform) <= 40:
            errors["platform"] = _("Enter the platform's name (at most 40 characters)")
        if raw["sku_code"] not in skus:
            errors["sku_code"] = _("No SKU with this code is sold")
        quantity = int(raw["quantity"]) if _whole(raw["quantity"]) else 0
        if not 1 <= quantity <= _MAX_QUANTITY:
            errors["quantity"] = _("Enter a whole number from 1 to ${max}",
                                   mapping={"max": _MAX_QUANTITY})
        paid = Decimal(raw["paid_amount"]) if _AMOUNT.match(raw["paid_amount"]) else None
        if paid is None or paid <= 0:
            errors["paid_amount"] = _("Enter the amount paid in yuan, above 0, at most two "
                                      "decimals (e.g. 59.90)")
        paid_at = self._paid_at(raw["paid_at"])
        if paid_at is None:
            errors["paid_at"] = _("Enter when it was paid, e.g. 2026-12-01 10:30:00, "
                                  "not in the future")
        address = self._row_address(raw, errors)
        if errors or address is None or paid is None or paid_at is None:
            return None
        return _GroupBuyRow(line, external_id, platform, address, skus[raw["sku_code"]],
                            quantity, paid, paid_at)

    def _paid_at(self, text: str) -> datetime | None:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.uow.settings.current().zone)
        now = self.uow.clock.now()
        return moment if now - timedelta(days=366) <= moment <= now + timedelta(minutes=5) \
            else None

    def _row_address(self, raw: Mapping[str, str], errors: dict[str, Any]) -> AddressView | None:
        province = _region(raw["province"], None, PROVINCE)
        city = _region(raw["city"], province, CITY)
        district = _region(raw["district"], city, DISTRICT) if raw["district"] else None
        problems = region_errors(province, city, district if raw["district"] else None)
        try:
            values = deserialize_address({
                "recipient": raw["recipient"], "mobile": raw["mobile"], "province": province,
                "city": city, "district": district, "street": raw["address"]})
        except Invalid as exc:
            problems = {**exc.errors, **problems}
        else:
            if not problems:
                codes = (values["province"], values["city"], values["district"])
                return AddressView(0, values["recipient"], values["mobile"],
                                   display_mobile(values["mobile"]), codes[0], codes[1],
                                   codes[2], address_names(codes, self.uow.locale),
                                   values["street"], None, False)
        errors.update({("address" if field == "street" else field): message
                       for field, message in problems.items()})
        return None

    # -- shared steps ------------------------------------------------------------------------

    def _items(self, text: str) -> dict[int, int]:
        """``items`` as {SKU id: quantity}: one line per SKU ("CODE 2", "CODE×2", "CODE")."""
        quantities: dict[int, int] = {}
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_LINES:
            raise Invalid({"items": _("At most ${max} lines", mapping={"max": MAX_LINES})})
        for number, line in enumerate(lines, 1):
            code, amount = _item_line(line)
            if not code or not _whole(amount) or not 1 <= int(amount) <= _MAX_QUANTITY:
                raise Invalid({"items": _("Line ${line}: write a SKU code and a quantity from "
                                          "1 to ${max}", mapping={"line": number,
                                                                  "max": _MAX_QUANTITY})})
            sku = self._carts.sale_sku(code[:80])
            if sku is None:
                raise Invalid({"items": _("Line ${line}: no SKU ${code} is sold",
                                          mapping={"line": number, "code": code[:80]})})
            quantities[sku.id] = quantities.get(sku.id, 0) + int(amount)
        return quantities

    def _address(self, customer_id: int, values: Mapping[str, Any],
                 data: Mapping[str, Any]) -> AddressView:
        """One of the customer's addresses (``address``), or the one typed in, checked as
        the address book checks it."""
        if values["address"]:
            shopper = self.uow.acting_as(self._customers.actor_for(customer_id))
            try:
                return shopper.addresses.get(values["address"])
            except (NotFound, Forbidden):
                raise Invalid({"address": _("Choose one of the customer's addresses")}) \
                    from None
        typed = deserialize_address({name: data.get(name) for name in ADDRESS_FIELDS})
        codes = (typed["province"], typed["city"], typed["district"])
        return AddressView(0, typed["recipient"], typed["mobile"],
                           display_mobile(typed["mobile"]), codes[0], codes[1], codes[2],
                           address_names(codes, self.uow.locale), typed["street"],
                           typed["postcode"], False)

    def _entered(self, number: str, customer_id: int, created: bool) -> EnteredOrder:
        found = self._orders.find(number)
        assert found is not None  # the key was just read in this transaction
        return EnteredOrder(found.number, found.state, found.payable, customer_id, created)


def _item_line(line: str) -> tuple[str, str]:
    """A line of ``items`` as (code, quantity): "CODE 2", "CODE×2", "CODE x 2", "CODE, 2", or
    "CODE" alone for one. The quantity is what follows a separator, never a split inside the
    code ("TEE-XL 2" is TEE-XL, "CABLE-1X2" is that code); ("", "") when it is neither."""
    found = _ITEM_LINE.fullmatch(line)
    if found:
        return found[1], found[2]
    return (line, "1") if not _ITEM_SEPARATORS.search(line) else ("", "")


def _whole(text: str) -> bool:
    """ASCII digits only ("²" is a digit to ``str.isdigit`` but not to ``int``), few of them."""
    return text.isascii() and text.isdigit() and len(text) <= 6


def _weight(records: Sequence[CheckoutLineRecord]) -> int:
    return sum(r.weight_grams * r.quantity for r in records)


def _region(text: str, parent: str | None, level: str) -> str | None:
    """A region's code from its code or its name (under ``parent``)."""
    table = region_table()
    if _whole(text):
        return text
    if not text:
        return None
    return next((r.code for r in table.children.get(parent, ())
                 if r.level == level and text in (r.name_zh, r.name_en)), text[:6])


__all__ = ["ApprovalRow", "CustomerMatch", "Duplicate", "EnteredOrder", "ImportReport",
           "ImportedMeanwhile",
           "OrderEntryService", "RowError"]
