"""The order center (订单中心) and the order's later life: ``uow.orders``.

Shoppers read their own orders (by number, among their own: another's number is not found),
change where an order goes and its remarks before it ships, cancel it before it ships, and
confirm receipt. Staff ship (``order:order:manage``); the shop's own jobs and handlers close
unpaid orders, record payments (the payments issue calls ``mark_paid``) and deliveries. Every
change moves along the state machine through ``OrderLifecycle``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.invoicing.service import InvoiceDetails
from shop.application.locales import normalize_locale, pick
from shop.application.mobile import display_mobile
from shop.application.ordering import notices, states
from shop.application.ordering.desk_schemas import HELD, PENDING, REJECTED
from shop.application.ordering.entry_schemas import APPROVED as APPROVAL_APPROVED
from shop.application.ordering.lifecycle import OrderLifecycle
from shop.application.ordering.payment_methods import CASH_ON_DELIVERY, EXTERNAL
from shop.application.ordering.pricing import Breakdown
from shop.application.ordering.read_models import (
    DeliveryView,
    ItemView,
    OrderDetail,
    OrderPage,
    OrderSummary,
    StepView,
    TabView,
)
from shop.application.ordering.schemas import CancelSchema, ChangeDeliverySchema
from shop.application.regions.table import address_names
from shop.application.shipments.carriers import CARRIERS
from shop.application.validation import validate
from shop.data.repositories.accounts import CustomerRepository
from shop.data.repositories.ordering import (
    InvoiceRecord,
    OrderLineRecord,
    OrderRecord,
    OrderRepository,
)

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.addresses.service import AddressView

PAGE_SIZE = 10
#: An order number is 20 digits; anything else is not looked up.
_NUMBER_LENGTH = 20


@dataclass(frozen=True)
class ClosedOrders:
    closed: int
    #: Orders whose close raised (logged); the next run tries them again.
    failed: int = 0


class OrderService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = OrderRepository(uow._session)
        self._lifecycle = OrderLifecycle(uow, self._repo)

    # -- the shopper's -----------------------------------------------------------------------

    def page(self, tab: str = "all", before: str | None = None) -> OrderPage:
        """One page of the shopper's orders under ``tab`` (``all``, ``unpaid``, ``unshipped``,
        ``shipped``, ``completed``, ``cancelled``), newest first, older than order ``before``.
        Three queries whatever the number of orders."""
        customer_id = self._customer_id()
        if not isinstance(tab, str) or tab not in states.TABS:
            raise NotFound("no such tab")
        before_id = None
        if before is not None:
            anchor = self._find(before, customer_id)
            before_id = anchor.id
        records = self._repo.page(customer_id, states.TABS[tab][1], before_id, PAGE_SIZE + 1)
        shown = records[:PAGE_SIZE]
        lines = self._repo.lines([r.id for r in shown])
        counts = self._repo.counts(customer_id)
        tabs = tuple(TabView(key, label, sum(counts.get(s, 0) for s in members)
                             if members else sum(counts.values()))
                     for key, (label, members) in states.TABS.items())
        return OrderPage(tab, tabs, tuple(self._summary(r, lines[r.id]) for r in shown),
                         shown[-1].number if len(records) > PAGE_SIZE else None)

    def get(self, number: str) -> OrderDetail:
        """The shopper's order ``number`` with its lines, amounts, delivery, invoice and
        timeline (staff with ``order:order:view`` may read any)."""
        order = self._readable(number)
        lines = self._repo.lines([order.id])[order.id]
        summary = self._summary(order, lines)
        return OrderDetail(
            **{field: getattr(summary, field) for field in summary.__dataclass_fields__},
            breakdown=Breakdown(order.items_total, order.discount_total, order.shipping_fee,
                                order.covered_total),
            promotions=self.uow._pricer.applied_to(order.id),
            delivery=self._delivery(order), invoice=self._invoice(self._repo.invoice(order.id)),
            remarks=order.remarks, pay_by=order.pay_by,
            timeline=tuple(StepView(t.to_state, states.LABELS[t.to_state]
                                    if t.from_state != t.to_state
                                    else _("Delivery details changed"), t.actor, t.note,
                                    t.occurred_at)
                           for t in self._repo.transitions(order.id)),
            shipments=tuple(self.uow.shipments.for_orders([order.id]).get(order.id, ())),
            can_change=order.state in states.CHANGEABLE)

    def cancel(self, number: str, data: Mapping[str, Any] | None = None) -> None:
        """Call the order off before it ships: its reservations are released and its stock is
        for sale again; what it held of the shopper's means goes back, and what was paid is
        refunded to every means it came from (the gateway's part after the commit); its
        coupon and its campaigns' uses come back too."""
        values = validate(CancelSchema(), data or {})
        order = self._own(number)
        if not _shopper_cancellable(order):
            raise Conflict(_("This order can no longer be cancelled"))
        self._lifecycle.move(order, states.CANCELLED, values["reason"])
        self._ended(order)

    def call_off(self, number: str, reason: str) -> None:
        """Staff cancel the order before it ships (a rejected review): the same steps as the
        shopper's ``cancel`` — stock released or put back, means and payments given back and
        refunded, coupon and campaign uses returned. ``order:order:manage``."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(CancelSchema(), {"reason": reason})
        order = self._find(number)
        if not _cancellable(order):
            raise Conflict(_("This order can no longer be cancelled"))
        self._lifecycle.move(order, states.CANCELLED, values["reason"])
        self._ended(order)

    def change_delivery(self, number: str, data: Mapping[str, Any]) -> None:
        """Before shipment: send it to another address of the shopper's book (``address``)
        and/or change the remarks. After shipment, ``Conflict``."""
        values = validate(ChangeDeliverySchema(), data)
        order = self._own(number)
        changes: dict[str, Any] = {}
        if values["remarks"] is not None:
            changes["remarks"] = values["remarks"]
        if values["address"] is not None:
            address = self._new_destination(order, values["address"])
            changes.update(recipient=address.recipient, mobile=address.mobile,
                           province_code=address.province_code, city_code=address.city_code,
                           district_code=address.district_code, street=address.street,
                           postcode=address.postcode)
        if not changes:
            return
        if not self._repo.change(order.id, states.CHANGEABLE, changes, self.uow.clock.now()):
            raise Conflict(_("This order has shipped: its address can no longer change"))
        # A step that stays in its state: the timeline shows when the details changed.
        self._repo.log(order.id, order.state, order.state, self.uow.actor.name)

    def _new_destination(self, order: OrderRecord, address_id: str) -> AddressView:
        """An address of the shopper's book the order may go to instead: served by the order's
        shipping method at the fee it was charged (the amount to pay never changes here)."""
        try:
            address = self.uow.addresses.get(address_id)
        except NotFound:
            raise Invalid({"address": _("Choose a shipping address")}) from None
        if address.province_code != order.province_code and \
                order.payment_method == CASH_ON_DELIVERY:
            raise Invalid({"address": _(
                "A cash-on-delivery order stays in its province; cancel it and order again")})
        try:
            fee = self.uow.shipping.price(order.shipping_method_code, address.province_code,
                                          address.city_code, order.weight_grams,
                                          order.items_total).fee
        except Invalid:
            fee = None
        if fee != order.shipping_fee:
            raise Invalid({"address": _(
                "${method} does not deliver there at the fee you paid; cancel the order and "
                "order again to that address", mapping={"method": order.shipping_method_name})})
        return address

    def confirm_receipt(self, number: str) -> None:
        """The shopper has the parcel (确认收货): the order is completed."""
        order = self._own(number)
        if order.state == states.SHIPPED:
            self._lifecycle.move(order, states.DELIVERED)
            order = self._find(number, order.customer_id)
        self._lifecycle.move(order, states.COMPLETED)

    # -- staff and the shop's own work ---------------------------------------------------------

    def ship(self, number: str, data: Mapping[str, Any]) -> None:
        """Hand a paid (or cash-on-delivery) order to a carrier: ``carrier`` and
        ``tracking_number``. Staff with ``order:order:manage``; audited."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        self._ship(number, data)

    def _ship(self, number: str, data: Mapping[str, Any]) -> None:
        """``ship`` for a service that checked its own permission (the RMA desk sending an
        exchange's replacement order): the same moves, stock, shipment and audit."""
        order = self._find(number)
        if order.review in (PENDING, HELD, REJECTED):
            raise Conflict(_("This order waits for review: approve it before it ships"))
        if order.approval not in (None, APPROVAL_APPROVED):
            raise Conflict(_("This zero-amount order waits for a second person's approval"))
        before = order.state
        # Together or not at all: a refused tracking number leaves the order unshipped even
        # for a caller that catches the error and commits.
        with self._repo.savepoint():
            if order.state == states.PAID:
                self._lifecycle.move(order, states.AWAITING_SHIPMENT)
                order = self._find(number)
            self._lifecycle.move(order, states.SHIPPED)
            shipment = self.uow.shipments._record(order.id, data.get("carrier", ""),
                                                  data.get("tracking_number", ""))
        self.uow._audit.record("order.ship", "order", order.number,
                               before={"state": before},
                               after={"state": states.SHIPPED, "carrier": shipment.carrier,
                                      "tracking_number": shipment.tracking_number})

    def mark_paid(self, number: str, note: str = "") -> None:
        """The payable was received in full: the stock is taken (reservations deducted, lines
        sold without one taken, shortfalls recorded) and the order waits for shipment. The
        shop's own payment handling only (the system actor); a second call is refused."""
        self._require_system()
        order = self._find(number)
        self._lifecycle.move(order, states.PAID, note)
        self._lifecycle.move(self._find(number), states.AWAITING_SHIPMENT)

    def mark_delivered(self, order_id: int) -> None:
        """A shipment of the order was signed for (``shipment.delivered``). System only; nothing
        when the order is already past shipped."""
        self._require_system()
        order = self._repo.find_by_id(order_id)
        if order is not None and order.state == states.SHIPPED:
            self._lifecycle.move(order, states.DELIVERED)

    def notify(self, order_id: int, what: str) -> None:
        """Tell the shopper their order was ``placed``, ``paid`` or has ``shipped`` (the ordering
        handlers, after commit): an SMS to the account's mobile, else an email. System only."""
        self._require_system()
        order = self._repo.find_by_id(order_id)
        customer = CustomerRepository(self.uow._session).get(order.customer_id) \
            if order is not None else None
        address = customer and (customer.mobile or customer.email)
        if order is None or customer is None or not address:
            return
        values: dict[str, object] = {"number": order.number, "payable": order.payable}
        if what == "shipped":
            shipments = self.uow.shipments.for_orders([order.id]).get(order.id, [])
            if not shipments:
                return
            name = "shipped"
            values.update(carrier=CARRIERS[shipments[-1].carrier].local_name(
                normalize_locale(customer.locale)), tracking=shipments[-1].tracking_number)
        elif what == "paid":
            name = "paid"
        elif order.pay_by is not None:
            name = "placed_online"
            zone = self.uow.settings.current().zone
            values["deadline"] = order.pay_by.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        else:
            name = "placed_cod"
        text = notices.render(name, customer.locale, **values)
        self.uow._outbox.queue("sms" if customer.mobile else "email", address, text.subject,
                               text.body)

    def overdue(self, limit: int) -> list[str]:
        """Unpaid orders whose time to pay ran out (for the close job)."""
        self._require_system()
        return self._repo.due_to_close(self.uow.clock.now(), limit)

    def close(self, number: str) -> bool:
        """Close an unpaid order whose time ran out, releasing its stock; False when it was paid,
        cancelled or closed meanwhile (the job runs twice at once safely)."""
        self._require_system()
        order = self._find(number)
        if order.state != states.AWAITING_PAYMENT or order.pay_by is None \
                or order.pay_by > self.uow.clock.now():
            return False
        try:
            self._lifecycle.move(order, states.CLOSED, "not paid in time")
        except Conflict:
            return False
        self._ended(order)
        return True

    # -- steps -------------------------------------------------------------------------------

    def _ended(self, order: OrderRecord) -> None:
        """A cancelled or closed order gives back what it took: its holds and payments, its
        campaigns' uses and flash-sale units, its coupon (unless it has expired)."""
        self.uow.payments.settle_ended(order)
        self.uow._pricer.give_back(order.id)
        self.uow.coupons.give_back(order.id)

    def _customer_id(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("the order center is a signed-in shopper's")
        return actor.id

    def _require_system(self) -> None:
        self.uow.actor.require_system()

    def _find(self, number: str, customer_id: int | None = None) -> OrderRecord:
        found = (self._repo.find(number, customer_id)
                 if isinstance(number, str) and len(number) == _NUMBER_LENGTH else None)
        if found is None:
            raise NotFound("no such order")
        return found

    def _own(self, number: str) -> OrderRecord:
        return self._find(number, self._customer_id())

    def _readable(self, number: str) -> OrderRecord:
        if self.uow.actor.kind == "shopper":
            return self._own(number)
        self.uow.actor.require(Permission.ORDER_VIEW)
        return self._find(number)

    def _summary(self, order: OrderRecord, lines: list[OrderLineRecord]) -> OrderSummary:
        return OrderSummary(
            number=order.number, state=order.state, state_label=states.LABELS[order.state],
            placed_at=order.placed_at, payable=order.payable,
            payment_method=order.payment_method,
            items=tuple(self._item(line) for line in lines),
            can_cancel=_shopper_cancellable(order))

    def _item(self, line: OrderLineRecord) -> ItemView:
        locale = self.uow.locale
        return ItemView(sku_code=line.sku_code, product_slug=line.product_slug,
                        name=pick(locale, line.name_zh, line.name_en),
                        variant=pick(locale, line.variant_zh, line.variant_en),
                        image_url=line.image_url, unit_price=line.unit_price,
                        quantity=line.quantity, line_total=line.line_total,
                        discount_share=line.discount_share)

    def _delivery(self, order: OrderRecord) -> DeliveryView:
        return DeliveryView(
            recipient=order.recipient, mobile=display_mobile(order.mobile),
            region_names=address_names((order.province_code, order.city_code,
                                        order.district_code), self.uow.locale),
            street=order.street, postcode=order.postcode,
            shipping_method=order.shipping_method_name)

    def _invoice(self, record: InvoiceRecord | None) -> InvoiceDetails | None:
        return InvoiceDetails(**{field.name: getattr(record, field.name)
                                 for field in fields(InvoiceDetails)}) if record else None


def _cancellable(order: OrderRecord) -> bool:
    """Before shipment (a paid order is refunded as it is cancelled)."""
    return order.state in (states.AWAITING_PAYMENT, states.PAID, states.AWAITING_SHIPMENT)


def _shopper_cancellable(order: OrderRecord) -> bool:
    """What the shopper may cancel: not an order paid on an external platform (a group buy),
    whose money only that platform gives back; staff call it off once it has."""
    return _cancellable(order) and order.payment_method != EXTERNAL
