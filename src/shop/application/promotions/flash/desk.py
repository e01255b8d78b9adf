"""The flash-sale counter (秒杀): ``uow.flash_sales``.

A shopper's buy goes through the burst lane when the shop has one (``Shop.flash_lane``) and
it answers, and through the database lane otherwise; both refuse the same things (a sale not
on, more than one shopper may take, an address not theirs, none left), and the order is
always written by ``checkout.buy_now`` with the sale's price required for every unit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shop.application.actors import ANONYMOUS, Permission
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.ordering.payment_methods import ONLINE
from shop.application.ordering.read_models import CheckoutView
from shop.application.ordering.schemas import IDEMPOTENCY_KEY
from shop.application.promotions.flash import lane as lanes
from shop.application.promotions.flash.lane import BurstLane, LaneDown, Sale, Ticket, TicketState
from shop.application.promotions.flash.read_models import BuyOutcome, FlashOffer, TicketView
from shop.application.promotions.flash.schemas import FlashBuySchema, FlashConfirmSchema
from shop.application.validation import validate
from shop.data.repositories.flash_sales import (
    FlashItemState,
    FlashOfferRecord,
    FlashSaleRepository,
)
from shop.data.repositories.ordering import OrderRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: How long the lane keeps a sale's counters and its tickets' states after the sale ends.
KEEP_AFTER = timedelta(days=1)
#: How long a queued buy keeps the price it was admitted at, while it waits for the worker.
PRICE_HELD = timedelta(minutes=10)
SOLD_OUT = _("Sold out at the flash sale price")
AT_LIMIT = _("You already hold all this flash sale allows one shopper")


class FlashSaleDesk:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = FlashSaleRepository(uow._session)

    def offer(self, code: str, sku_code: str) -> FlashOffer:
        """The flash sale ``code``'s item on the SKU ``sku_code`` (``NotFound`` when there is
        none, or the product is not sold)."""
        return self._view(self._record(code, sku_code))

    def confirm(self, data: Mapping[str, Any]) -> tuple[FlashOffer, CheckoutView]:
        """The buy page: the item, and the order it would place (``campaign``, ``sku``,
        ``quantity``, and the choices ``checkout.prepare`` takes)."""
        values = validate(FlashConfirmSchema(), data)
        offer = self._view(self._record(values["campaign"], values["sku"]))
        self._within_limit(offer.per_customer_limit, values["quantity"])
        return offer, self.uow.checkout.prepare_buy_now(
            {key: value for key, value in data.items() if key != "campaign"})

    def buy(self, data: Mapping[str, Any]) -> BuyOutcome:
        """Buy at the flash price: ``campaign``, ``sku``, ``quantity``, ``address``,
        ``shipping_method`` and the buy page's ``idempotency_key``. The order is paid online.

        ``Invalid`` names a bad field; ``Conflict`` says the sale is not on or none is left
        (or the shopper holds all one shopper may). The same key again returns the same
        ticket or order."""
        customer_id = self._shopper()
        values = validate(FlashBuySchema(), data)
        record = self._record(values["campaign"], values["sku"])
        now = self.uow.clock.now()
        if record.state != "active" or not record.starts_at <= now < record.ends_at:
            raise Conflict(_("This flash sale is not on now"))
        self._within_limit(record.per_customer_limit, values["quantity"])
        try:
            self.uow.addresses.get(values["address"])
        except NotFound:
            raise Invalid({"address": _("Choose a shipping address")}) from None
        lane = self.uow.shop.flash_lane
        already = OrderRepository(self.uow._session).number_for_key(
            customer_id, values["idempotency_key"])
        if already is None and lane is not None:
            try:
                return self._queue(lane, record, values, customer_id)
            except LaneDown:
                pass  # Redis is away: the database lane sells on, with the same rules.
        if already is None:
            # The crowd that comes too late is refused here, before the shopper's row lock.
            self._precheck(record, values["quantity"], customer_id)
        # The same form again (a double-click, the back button) finds its order here.
        placed = self.uow.checkout.buy_now(_order_data(values),
                                           flash_sale=record.promotion_id)
        return BuyOutcome(order=placed)

    def ticket(self, key: str) -> TicketView:
        """Where the shopper's queued buy ``key`` is (a key that is not theirs is unknown)."""
        customer_id = self._shopper()
        if not re.match(IDEMPOTENCY_KEY, key):
            raise NotFound("no such ticket")
        state: TicketState | None = None
        lane = self.uow.shop.flash_lane
        unreachable = lane is not None
        if lane is not None:
            try:
                state = lane.state(customer_id, key)
                unreachable = False
            except LaneDown:
                pass
        if state is not None and state.state == "done":
            return TicketView("done", order_number=state.detail)
        if state is not None and state.state == "failed":
            return TicketView("failed", message=_message(state.detail))
        # Queued, or the lane cannot tell: the order is the truth once it is written.
        number = OrderRepository(self.uow._session).number_for_key(customer_id, key)
        if number is not None:
            return TicketView("done", order_number=number)
        if state is not None:
            return TicketView("queued")
        # Redis not answering is not "lost": the worker may still write it.
        return TicketView("unconfirmed" if unreachable else "unknown")

    # -- the worker's and the books' steps (system actor) ------------------------------------

    def write(self, ticket: Ticket) -> tuple[TicketState, bool]:
        """The queued buy's order, written as its shopper: the ticket's new state, and whether
        its units go back to the lane (the order was refused)."""
        self.uow.actor.require_system()
        shopper = self.uow.accounts.actor_for(ticket.customer_id)
        if shopper is ANONYMOUS:
            return TicketState("failed", _remembered(_("Your account is closed"))), True
        buyer = self.uow.acting_as(shopper, ticket.locale, ticket.channel)
        admitted = datetime.fromisoformat(ticket.admitted_at)
        try:
            placed = buyer.checkout.buy_now({
                "sku": ticket.sku_code, "quantity": ticket.quantity,
                "idempotency_key": ticket.key, "address": ticket.address,
                "shipping_method": ticket.shipping_method, "payment_method": ONLINE},
                flash_sale=ticket.promotion_id,
                # At the price it was admitted at, though the sale ended while it waited in
                # the queue; a ticket older than that (a worker long gone) is priced now.
                priced_at=admitted if self.uow.clock.now() - admitted <= PRICE_HELD else None)
        except Invalid as exc:
            return TicketState("failed", _remembered(next(iter(exc.errors.values())))), True
        except (Conflict, NotFound, Forbidden) as exc:
            return TicketState("failed", _remembered(exc.args[0] if exc.args else SOLD_OUT)), True
        return TicketState("done", placed.number), False

    def left(self, sale: Sale) -> int:
        """Units of the sale's quota the database has not sold."""
        self.uow.actor.require_system()
        return self._repo.left(sale.promotion_id, sale.sku_id)

    def items_to_reconcile(self, ending_after: datetime, limit: int) -> list[FlashItemState]:
        """Flash-sale items whose lane may hold something: those ending after the moment."""
        self.uow.actor.require_system()
        return self._repo.items_ending_after(ending_after, limit)

    # -- steps --------------------------------------------------------------------------------

    def _queue(self, lane: BurstLane, record: FlashOfferRecord, values: Mapping[str, Any],
               customer_id: int) -> BuyOutcome:
        """Admit the buy in the burst lane (its counter primed from the database the first
        time). Only reads are open in this unit of work while Redis answers: no row is held."""
        now = self.uow.clock.now()
        ticket = Ticket(
            key=values["idempotency_key"], customer_id=customer_id,
            promotion_id=record.promotion_id, sku_id=record.sku_id, sku_code=record.sku_code,
            quantity=values["quantity"], address=values["address"],
            shipping_method=values["shipping_method"], locale=self.uow.locale,
            admitted_at=now.isoformat(), channel=self.uow.channel)
        ttl = max(60, int((record.ends_at + KEEP_AFTER - now).total_seconds()))
        answer = lane.admit(ticket, record.per_customer_limit, ttl)
        if answer == lanes.UNPRIMED:
            lane.prime(ticket.sale, self._repo.left(record.promotion_id, record.sku_id),
                       self._repo.buyers(record.promotion_id, record.sku_id), ttl)
            answer = lane.admit(ticket, record.per_customer_limit, ttl)
        if answer == lanes.SOLD_OUT:
            raise Conflict(SOLD_OUT)
        if answer == lanes.LIMIT:
            raise Conflict(AT_LIMIT)
        return BuyOutcome(ticket=ticket.key)

    def _precheck(self, record: FlashOfferRecord, quantity: int, customer_id: int) -> None:
        limit = record.per_customer_limit
        if limit is not None and quantity + self._repo.buyers(
                record.promotion_id, record.sku_id, customer_id).get(customer_id, 0) > limit:
            raise Conflict(AT_LIMIT)
        if self._repo.left(record.promotion_id, record.sku_id) < quantity:
            raise Conflict(SOLD_OUT)

    def _record(self, code: str, sku_code: str) -> FlashOfferRecord:
        record = self._repo.offer(code, sku_code)
        if record is None or not record.is_published:
            raise NotFound("no such flash sale item")
        return record

    def _view(self, record: FlashOfferRecord) -> FlashOffer:
        now = self.uow.clock.now()
        locale = self.uow.locale
        return FlashOffer(
            code=record.code, name=pick(locale, record.name_zh, record.name_en),
            sku_code=record.sku_code, product_slug=record.product_slug,
            product_name=pick(locale, record.product_name_zh, record.product_name_en),
            list_price=record.list_price, price=record.price, quota=record.quota,
            left=record.quota - record.sold, per_customer_limit=record.per_customer_limit,
            starts_at=record.starts_at, ends_at=record.ends_at,
            live=record.state == "active" and record.starts_at <= now < record.ends_at)

    def _within_limit(self, limit: int | None, quantity: int) -> None:
        if limit is not None and quantity > limit:
            raise Invalid({"quantity": _("At most ${limit} per shopper at this price",
                                         mapping={"limit": limit})})

    def _shopper(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("a flash sale is bought by a signed-in shopper")
        return actor.id


def _order_data(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"sku": values["sku"], "quantity": values["quantity"],
            "idempotency_key": values["idempotency_key"], "address": values["address"],
            "shipping_method": values["shipping_method"], "payment_method": ONLINE}


def _remembered(message: Any) -> str:
    """A refusal kept with the ticket (in Redis) so that the buyer's page can say it in their
    language: the message's id and mapping."""
    mapping = getattr(message, "mapping", None) or {}
    return json.dumps({"msgid": str(message), "mapping": {k: str(v) for k, v in mapping.items()}},
                      ensure_ascii=False)


def _message(detail: str) -> Any:
    try:
        found = json.loads(detail)
        return _(str(found["msgid"]), mapping=found.get("mapping") or None)
    except (ValueError, KeyError, TypeError):
        return SOLD_OUT
