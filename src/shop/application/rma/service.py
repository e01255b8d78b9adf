"""The service center and the RMA desk (``uow.rma``).

Shoppers ask for a refund (仅退款), a return (退货退款) or an exchange (换货) of some units of
some lines of their order, with a reason and photos; the return policy of each line's category
decides whether they may, and until when. Staff with ``order:rma:manage`` approve or reject
the request with a message; an approved return or exchange is then the processing document
(rma处理单): its goods are received and inspected (back on sale, or written off), then a return
is refunded and an exchange's replacement is sent (a zero-amount order, shipped at once).

Every state change is a conditional UPDATE on the state it leaves (``RmaRepository.move``) made
before anything else of the step, so a double click, a browser's back button or two staff at
once do a step once: the second gets ``Conflict`` and nothing is refunded, restocked or sent
twice. The refund is exactly the lines' share of what was paid for them (the line total less
its share of the order's discounts, ``OrderLine.discount_share``; a part of a line takes its
part of that, rounded so that the parts of a line add up to the line to the fen), given back
through the payments' refund path to the order's means in their defined order.

Every write by staff and by shoppers is audited.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.inventory.stock import StockLine
from shop.application.locales import pick
from shop.application.media.store import MediaStore
from shop.application.money import FEN
from shop.application.ordering.numbers import draw_order_number
from shop.application.ordering.payment_methods import TAKEN_AT_SHIPPING
from shop.application.rma import policy, states
from shop.application.rma.read_models import (
    PolicyView,
    ReturnableLineView,
    RmaDetail,
    RmaLineView,
    RmaOptions,
    RmaPage,
    RmaStep,
    RmaSummary,
    TicketView,
)
from shop.application.rma.schemas import (
    MAX_PHOTOS,
    TICKET_KINDS,
    AnswerSchema,
    PolicySchema,
    ReceiveSchema,
    RejectSchema,
    ReplacementSchema,
    RmaRequestSchema,
    StaffMessageSchema,
    TicketSchema,
)
from shop.application.validation import entity_key, validate
from shop.data.repositories.ordering import OrderRecord, OrderRepository
from shop.data.repositories.rma import (
    ReturnableLine,
    RmaLineRecord,
    RmaRecord,
    RmaRepository,
    TicketRecord,
)

if TYPE_CHECKING:
    from shop.application import UnitOfWork

PAGE_SIZE = 30
#: Requests an export reads per batch.
EXPORT_BATCH = 500
#: "S" + the shop's date + 12 random digits: not guessable in sequence, like order numbers.
NUMBER_PREFIX = "S"
#: Which staff action takes a request to which state.
STAFF_ACTIONS = {"approve": states.APPROVED, "reject": states.REJECTED,
                 "receive": states.RECEIVED, "refund": states.REFUNDED,
                 "replace": states.REPLACED}


def line_paid(line: ReturnableLine) -> Decimal:
    """What the whole line was paid: its total less its share of the order's discounts."""
    return line.line_total - line.discount_share


def share_of(line: ReturnableLine, units: int) -> Decimal:
    """What the first ``units`` of the line were paid, to the fen (half up). The refund of
    units ``a+1 … b`` is ``share_of(b) - share_of(a)``, so the parts add up to the line."""
    if units >= line.quantity:
        return line_paid(line)
    return (line_paid(line) * units / line.quantity).quantize(FEN, rounding=ROUND_HALF_UP)


class RmaService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = RmaRepository(uow._session)
        self._orders = OrderRepository(uow._session)
        self._defaults = policy.Defaults.from_settings(uow.shop.settings)

    @property
    def _media(self) -> MediaStore:
        return MediaStore.from_settings(self.uow.shop.settings)

    # -- the shopper's service center ----------------------------------------------------------

    def options(self, order_number: str) -> RmaOptions:
        """What the shopper may ask of their order ``order_number``."""
        order = self._own_order(order_number)
        lines = self._repo.order_lines([order.id])[order.id]
        spent = self._repo.spent_quantities(order.id)
        delivered_at = self._repo.delivered_at(order.id)
        rules = self._rules(lines)
        no_reason: list[Any] = []
        returns: list[Any] = []
        for line in lines:
            first, second = policy.deadlines(delivered_at, rules[line.category_id])
            no_reason.append(first)
            returns.append(second)
        if order.state in policy.UNSHIPPED:
            kinds: tuple[str, ...] = (states.REFUND,)
            reasons: tuple[str, ...] = ("unshipped",)
        else:
            kinds = states.KINDS
            reasons = tuple(code for code in policy.REASONS if code != "unshipped")
        return RmaOptions(
            order_number=order.number, order_state=order.state,
            kinds=tuple((kind, states.KIND_LABELS[kind]) for kind in kinds),
            reasons=tuple((code, policy.REASONS[code]) for code in reasons),
            lines=tuple(ReturnableLineView(
                line.id, line.sku_code, pick(self.uow.locale, line.name_zh, line.name_en),
                pick(self.uow.locale, line.variant_zh, line.variant_en), line.unit_price,
                line.quantity, max(line.quantity - spent.get(line.id, 0), 0), line_paid(line))
                for line in lines),
            delivered_at=delivered_at,
            no_reason_until=min((d for d in no_reason if d), default=None),
            returns_until=min((d for d in returns if d), default=None))

    def request(self, order_number: str, data: Mapping[str, Any],
                photos: Sequence[bytes] = ()) -> RmaSummary:
        """Ask for a refund, return or exchange of some units of the order's lines
        (``kind``, ``reason``, ``description``, ``lines``: ``[{"line": id, "quantity": n}]``)
        with up to five photos (JPEG, PNG or WebP). ``Invalid`` names what the policy refuses
        and why (past 7 days, a category excluded from no-reason returns …)."""
        customer_id = self._customer_id()
        values = validate(RmaRequestSchema(), data)
        if len(photos) > MAX_PHOTOS:
            raise Invalid({"photos": _("At most ${count} photos",
                                       mapping={"count": MAX_PHOTOS})})
        # The order's row lock: two requests for the same units are counted one after the
        # other (PostgreSQL; SQLite has one writer).
        order = self._orders.find(order_number, customer_id, lock=True) \
            if isinstance(order_number, str) else None
        if order is None:
            raise NotFound("no such order")
        if order.payment_method in TAKEN_AT_SHIPPING and order.state in policy.UNSHIPPED:
            raise Invalid({"kind": _("Nothing was paid for this order yet: cancel it instead")})
        lines = {line.id: line for line in self._repo.order_lines([order.id])[order.id]}
        spent = self._repo.spent_quantities(order.id)
        delivered_at = self._repo.delivered_at(order.id)
        rules = self._rules(lines.values())
        now = self.uow.clock.now()
        wanted: dict[int, int] = {}
        for index, item in enumerate(values["lines"]):
            if item["quantity"] == 0:
                continue
            line = lines.get(item["line"])
            if line is None or item["line"] in wanted:
                raise Invalid({f"lines.{index}.line": _("Choose an item of this order")})
            left = line.quantity - spent.get(line.id, 0)
            if item["quantity"] > left:
                raise Invalid({f"lines.{index}.quantity": _(
                    "At most ${count} of this item can still be asked for",
                    mapping={"count": max(left, 0)})})
            why = policy.refusal(values["kind"], values["reason"], order.state, delivered_at,
                                 now, rules[line.category_id],
                                 pick(self.uow.locale, line.name_zh, line.name_en))
            if why is not None:
                raise Invalid({"reason": why})
            wanted[line.id] = item["quantity"]
        if not wanted:
            raise Invalid({"lines": _("Choose at least one item")})
        stored = [self._media.save_image(photo) for photo in photos]
        zone = self.uow.settings.current().zone
        for _attempt in range(5):
            number = NUMBER_PREFIX + draw_order_number(now, zone)
            rma_id = self._repo.insert({
                "number": number, "order_id": order.id, "customer_id": customer_id,
                "kind": values["kind"], "state": states.REQUESTED, "reason": values["reason"],
                "description": values["description"]})
            if rma_id is not None:
                break
        else:  # pragma: no cover - five taken numbers in a row
            raise Conflict(_("Please try again"))
        self._repo.add_parts(
            [{"rma_id": rma_id, "order_line_id": line_id, "quantity": quantity}
             for line_id, quantity in wanted.items()],
            [{"rma_id": rma_id, "file_name": photo.name, "content_type": photo.content_type}
             for photo in stored])
        self._repo.log(rma_id, "", states.REQUESTED, self.uow.actor.name, values["description"])
        self.uow._audit.record("rma.request", "rma", number, after={
            "order_id": order.number, "kind": values["kind"], "reason": values["reason"],
            "lines": {str(k): v for k, v in wanted.items()}, "photos": len(stored)})
        return self._summaries([self._find(number)])[0]

    def mine(self, before: str | None = None) -> RmaPage:
        """The shopper's requests, newest first."""
        customer_id = self._customer_id()
        records = self._repo.page(customer_id=customer_id, before_id=entity_key(before),
                                  limit=PAGE_SIZE + 1)
        return self._page(records)

    def withdraw(self, number: str) -> None:
        """The shopper calls their request off (before it is approved, or before sending the
        goods back)."""
        record = self._find(number, self._customer_id())
        to = states.WITHDRAWN
        if record.state not in (states.REQUESTED, states.APPROVED):
            raise Conflict(_("This request can no longer be withdrawn"))
        self._move(record, to, "")
        self.uow._audit.record("rma.withdraw", "rma", record.number,
                               before={"state": record.state}, after={"state": to})

    def get(self, number: str) -> RmaDetail:
        """One request: its shopper, or staff who may see orders."""
        record = self._readable(number)
        summary = self._summaries([record])[0]
        photos = self._repo.photos([record.id])[record.id]
        steps = self._repo.transitions(record.id)
        return RmaDetail(
            summary=summary, description=record.description, disposition=record.disposition,
            replacement_carrier=record.replacement_carrier,
            replacement_tracking=record.replacement_tracking,
            replacement_order=(self._repo.order_numbers([record.replacement_order_id])
                               [record.replacement_order_id]
                               if record.replacement_order_id is not None else None),
            photos=tuple(photo.file_name for photo in photos),
            steps=tuple(RmaStep(step.from_state, step.to_state, states.LABELS[step.to_state],
                                step.actor, step.note, step.occurred_at) for step in steps),
            actions=self._actions(record),
            refund_due=self._refund_amounts(record)[1] if record.kind != states.EXCHANGE
            else Decimal("0.00"))

    def photo(self, number: str, file_name: str) -> tuple[Path, str]:
        """Where a photo of a request is, and its type: its shopper, or staff."""
        record = self._readable(number)
        for photo in self._repo.photos([record.id])[record.id]:
            if photo.file_name == file_name:
                return self._media.path(file_name), photo.content_type
        raise NotFound("no such photo")

    # -- the staff's desk ----------------------------------------------------------------------

    def queue(self, *, state: str = "", kind: str = "", order: str = "",
              before: str | None = None, sort: str = "newest") -> RmaPage:
        """Requests for staff, newest first (``sort`` ``oldest``: oldest first); ``state``
        ``open`` (the default queue) or one state, ``kind``, an order number. ``before`` is the
        last request of the page before (its id: keyset paging, in either order)."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        criteria = self._queue_criteria(state, kind, order)
        if criteria is None:
            return RmaPage((), None)
        records = self._repo.page(**criteria, before_id=entity_key(before),
                                  oldest_first=sort == "oldest", limit=PAGE_SIZE + 1)
        return self._page(records)

    def begin_export(self, *, state: str = "", kind: str = "", order: str = "",
                     sort: str = "newest", fmt: str = "csv") -> None:
        """Record that the requests the filters match leave the shop (an export names
        shoppers' orders and what they sent back)."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        self.uow._audit.record("rma.export", "rma", None, after={
            "filters": {k: v for k, v in (("state", state), ("kind", kind), ("order", order),
                                          ("sort", sort)) if v}, "format": fmt})

    def export_rows(self, *, state: str = "", kind: str = "", order: str = "",
                    sort: str = "newest") -> Iterator[RmaSummary]:
        """Every request the queue's filters match, in the queue's order, read
        ``EXPORT_BATCH`` at a time by keyset (four queries a batch): memory holds one batch
        however many match. Run it in a unit of work of its own: a web response streams it
        after the request's transaction has ended."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        criteria = self._queue_criteria(state, kind, order)
        if criteria is None:
            return
        before_id = None
        while True:
            batch = self._repo.page(**criteria, before_id=before_id,
                                    oldest_first=sort == "oldest", limit=EXPORT_BATCH)
            yield from self._summaries(batch)
            if len(batch) < EXPORT_BATCH:
                return
            before_id = batch[-1].id

    def _queue_criteria(self, state: str, kind: str, order: str) -> dict[str, Any] | None:
        """The repository's filters for the staff queue's; None when nothing can match (an
        order number that is not one)."""
        chosen = (sorted(states.OPEN) if state == "open" else
                  [state] if state in states.LABELS else [])
        order_id = None
        if order:
            found = self._orders.find(order) \
                if isinstance(order, str) and len(order) <= 24 else None
            if found is None:
                return None
            order_id = found.id
        return {"states": chosen, "kinds": [kind] if kind in states.KINDS else [],
                "order_id": order_id}

    def approve(self, number: str, data: Mapping[str, Any] | None = None) -> None:
        values = validate(StaffMessageSchema(), data or {})
        self._staff_move(number, "approve", values["message"])

    def reject(self, number: str, data: Mapping[str, Any]) -> None:
        values = validate(RejectSchema(), data)
        self._staff_move(number, "reject", values["message"])

    def receive(self, number: str, data: Mapping[str, Any]) -> None:
        """The goods came back and were inspected: ``disposition`` ``restock`` puts them on
        hand again (the stock log says ``return``), ``write_off`` keeps them off sale."""
        values = validate(ReceiveSchema(), data)
        with self._repo.savepoint():
            record = self._staff_move(number, "receive", values["message"],
                                      {"disposition": values["disposition"]})
            if values["disposition"] == "restock":
                self._restock(record)

    def refund(self, number: str, data: Mapping[str, Any] | None = None) -> Decimal:
        """Refund the request's lines (their share of what was paid) to the order's means; a
        refund of goods that never shipped also puts them back on hand. What was refunded."""
        values = validate(StaffMessageSchema(), data or {})
        self.uow.actor.require(Permission.RMA_MANAGE)
        record = self._find(number)
        found = self._orders.find_by_id(record.order_id)
        assert found is not None
        # The order's row lock first: requests of one order are refunded one at a time, each
        # counting the units the others refunded.
        order = self._orders.find(found.number, lock=True)
        assert order is not None
        amounts, total = self._refund_amounts(record)
        # Together or not at all: a refusal of the refund (nothing was paid) leaves the request
        # where it was, even for a caller that catches the error and commits.
        with self._repo.savepoint():
            self._staff_move(number, "refund", values["message"], {"refund_total": total},
                             record=record)
            self._repo.set_line_refunds(amounts)
            if total > 0:
                self.uow.payments.refund_return(order.number, total, f"RMA {record.number}")
            if record.kind == states.REFUND and self._unshipped(order):
                self._restock(record)
        return total

    def replace(self, number: str, data: Mapping[str, Any]) -> str:
        """Send an exchange's replacement (``carrier``, ``tracking_number``, ``message``): a
        zero-amount order of the request's units to the original order's customer and address
        (approved: the request's approval was the second look; its reason names the request),
        shipped at once under the tracking number like any order (its stock taken by the
        shipment), and linked to the request. All of it or nothing (too few in stock, a
        tracking number another order has); a second submission gets ``Conflict``. The
        replacement order's number."""
        values = validate(ReplacementSchema(), data)
        self.uow.actor.require(Permission.RMA_MANAGE)
        record = self._find(number)
        original = self._orders.find_by_id(record.order_id)
        assert original is not None
        quantities: dict[int, int] = {}
        for line in self._stock_lines(record):
            quantities[line.sku_id] = quantities.get(line.sku_id, 0) + line.quantity
        with self._repo.savepoint():
            self._staff_move(number, "replace", values["message"], {
                "replacement_carrier": values["carrier"],
                "replacement_tracking": values["tracking_number"]}, record=record)
            order_id, order_number = self.uow.order_entry._replacement(
                original, quantities,
                _("Replacement for after-sales request ${number}",
                  mapping={"number": record.number}).interpolate(),
                f"rma-replacement:{record.number}")
            self.uow.orders._ship(order_number, {"carrier": values["carrier"],
                                                 "tracking_number": values["tracking_number"]})
            self._repo.link_replacement(record.id, order_id)
        return order_number

    # -- the return policy ---------------------------------------------------------------------

    def policies(self) -> list[PolicyView]:
        self.uow.actor.require(Permission.ORDER_VIEW)
        return [PolicyView(rule.category_id, pick(self.uow.locale, zh, en),
                           rule.no_reason_days, rule.return_days)
                for rule, zh, en in self._repo.all_policies()]

    def policy_categories(self) -> list[tuple[int, str]]:
        """Every category (id, name) a rule may be kept for."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        return [(key, pick(self.uow.locale, zh, en)) for key, zh, en in self._repo.categories()]

    def default_policy(self) -> policy.Defaults:
        return self._defaults

    def save_policy(self, data: Mapping[str, Any]) -> None:
        """A category's own return rule (``category``, ``no_reason_days``, ``return_days``)."""
        self.uow.actor.require(Permission.RMA_MANAGE)
        values = validate(PolicySchema(), data)
        if not self._repo.category_exists(values["category"]):
            raise Invalid({"category": _("No such category")})
        before = self._repo.policies([values["category"]]).get(values["category"])
        self._repo.save_policy(values["category"], values["no_reason_days"],
                               values["return_days"])
        self.uow._audit.record(
            "rma.policy.save", "category", values["category"],
            before={"no_reason_days": before.no_reason_days,
                    "return_days": before.return_days} if before else {},
            after={"no_reason_days": values["no_reason_days"],
                   "return_days": values["return_days"]})

    def delete_policy(self, category_id: int) -> None:
        """The category follows the shop's defaults again."""
        self.uow.actor.require(Permission.RMA_MANAGE)
        key = entity_key(category_id)
        if key is None or not self._repo.delete_policy(key):
            raise NotFound("no such return policy")
        self.uow._audit.record("rma.policy.delete", "category", key)

    # -- suggestions and complaints (建议与投诉) -------------------------------------------------

    def submit_ticket(self, data: Mapping[str, Any]) -> TicketView:
        customer_id = self._customer_id()
        values = validate(TicketSchema(), data)
        ticket_id = self._repo.add_ticket({"customer_id": customer_id, "state": "open",
                                           **values})
        self.uow._audit.record("rma.ticket.submit", "service_ticket", ticket_id,
                               after={"kind": values["kind"], "subject": values["subject"]})
        found = self._repo.ticket(ticket_id)
        assert found is not None
        return self._ticket(found)

    def my_tickets(self) -> list[TicketView]:
        return [self._ticket(t) for t in self._repo.tickets(customer_id=self._customer_id())]

    def tickets(self, state: str = "open") -> list[TicketView]:
        self.uow.actor.require(Permission.ORDER_VIEW)
        return [self._ticket(t) for t in
                self._repo.tickets(state=state if state in ("open", "answered") else None)]

    def ticket(self, ticket_id: str | int) -> TicketView:
        key = entity_key(ticket_id)
        if self.uow.actor.kind == "shopper":
            found = self._repo.ticket(key, self._customer_id()) if key else None
        else:
            self.uow.actor.require(Permission.ORDER_VIEW)
            found = self._repo.ticket(key) if key else None
        if found is None:
            raise NotFound("no such ticket")
        return self._ticket(found)

    def answer_ticket(self, ticket_id: str | int, data: Mapping[str, Any]) -> None:
        self.uow.actor.require(Permission.RMA_MANAGE)
        values = validate(AnswerSchema(), data)
        key = entity_key(ticket_id)
        if key is None or self._repo.ticket(key) is None:
            raise NotFound("no such ticket")
        if not self._repo.answer_ticket(key, values["answer"], self.uow.actor.shown_name,
                                        self.uow.clock.now()):
            raise Conflict(_("This message has already been answered"))
        self.uow._audit.record("rma.ticket.answer", "service_ticket", key,
                               before={"state": "open"},
                               after={"state": "answered", "answer": values["answer"]})

    # -- steps ---------------------------------------------------------------------------------

    def _staff_move(self, number: str, action: str, message: str,
                    values: Mapping[str, Any] | None = None, *,
                    record: RmaRecord | None = None) -> RmaRecord:
        """Check the permission, move the request by the action (``Conflict`` when it moved
        on, or the action does not fit its kind), keep the message for the shopper, audit."""
        self.uow.actor.require(Permission.RMA_MANAGE)
        record = record or self._find(number)
        to = STAFF_ACTIONS[action]
        if not states.can_move(record.kind, record.state, to):
            raise Conflict(_("A request that is ${state} cannot be ${action}",
                             mapping={"state": states.LABELS[record.state],
                                      "action": _ACTION_LABELS[action]}))
        changes = dict(values or {})
        if message:
            changes["staff_message"] = message
        self._move(record, to, message, changes)
        self.uow._audit.record(f"rma.{action}", "rma", record.number,
                               before={"state": record.state},
                               after={"state": to, **changes})
        return record

    def _move(self, record: RmaRecord, to: str, note: str,
              values: Mapping[str, Any] | None = None) -> None:
        if not self._repo.move(record.id, record.state, to, self.uow.clock.now(), values):
            raise Conflict(_("This request has changed meanwhile; reload it"))
        self._repo.log(record.id, record.state, to, self.uow.actor.name, note)

    def _refund_amounts(self, record: RmaRecord) -> tuple[dict[int, Decimal], Decimal]:
        """Per request line, its refund: the units' share of what their line was paid, after
        the units of the line that other requests refunded. And the total."""
        order_lines = {line.id: line
                       for line in self._repo.order_lines([record.order_id])[record.order_id]}
        before = self._repo.refunded_quantities(record.order_id, record.id)
        amounts = {}
        for item in self._repo.lines([record.id])[record.id]:
            line = order_lines[item.order_line_id]
            done = before.get(line.id, 0)
            amounts[item.id] = share_of(line, done + item.quantity) - share_of(line, done)
        return amounts, sum(amounts.values(), Decimal("0.00"))

    def _stock_lines(self, record: RmaRecord) -> list[StockLine]:
        order_lines = {line.id: line
                       for line in self._repo.order_lines([record.order_id])[record.order_id]}
        return [StockLine(order_lines[item.order_line_id].sku_id, item.quantity)
                for item in self._repo.lines([record.id])[record.id]]

    def _restock(self, record: RmaRecord) -> None:
        self.uow._stock.restock(f"rma:{record.number}", self._stock_lines(record))

    def _unshipped(self, order: OrderRecord) -> bool:
        """Whether the order had not shipped when the request was made (its goods are still
        in the warehouse): no transition to ``shipped`` before the request."""
        return all(step.to_state != "shipped" for step in self._orders.transitions(order.id))

    def _actions(self, record: RmaRecord) -> tuple[str, ...]:
        actor = self.uow.actor
        if actor.kind == "shopper":
            return ("withdraw",) if record.state in (states.REQUESTED, states.APPROVED) else ()
        if not actor.can(Permission.RMA_MANAGE):
            return ()
        return tuple(action for action, to in STAFF_ACTIONS.items()
                     if states.can_move(record.kind, record.state, to))

    def _rules(self, lines: Any) -> dict[int, policy.Rule]:
        """Each line's category's rule: its own, else its nearest ancestor's, else the shop's
        defaults (a rule for 服装 covers every category under it)."""
        lines = list(lines)
        ancestry = {line.category_id: [int(key) for key in
                                       reversed(line.category_path.strip("/").split("/"))
                                       if key.isdigit()] or [line.category_id]
                    for line in lines}
        found = self._repo.policies(key for keys in ancestry.values() for key in keys)
        default = self._defaults.rule()
        rules = {}
        for category_id, keys in ancestry.items():
            nearest = next((found[key] for key in keys if key in found), None)
            rules[category_id] = (policy.Rule(nearest.no_reason_days, nearest.return_days)
                                  if nearest else default)
        return rules

    def _page(self, records: list[RmaRecord]) -> RmaPage:
        more = len(records) > PAGE_SIZE
        records = records[:PAGE_SIZE]
        return RmaPage(tuple(self._summaries(records)),
                       records[-1].id if more and records else None)

    def _summaries(self, records: list[RmaRecord]) -> list[RmaSummary]:
        """Summaries of several requests: three queries whatever their number."""
        if not records:
            return []
        ids = [record.id for record in records]
        order_ids = sorted({record.order_id for record in records})
        lines = self._repo.lines(ids)
        numbers = self._repo.order_numbers(order_ids)
        order_lines = {line.id: line for found in self._repo.order_lines(order_ids).values()
                       for line in found}
        return [RmaSummary(
            number=record.number, order_number=numbers[record.order_id], kind=record.kind,
            kind_label=states.KIND_LABELS[record.kind], state=record.state,
            state_label=states.LABELS[record.state], reason=record.reason,
            reason_label=policy.REASONS.get(record.reason, record.reason),
            staff_message=record.staff_message, refund_total=record.refund_total,
            created_at=record.created_at,
            lines=tuple(self._line_view(item, order_lines[item.order_line_id])
                        for item in lines[record.id]))
            for record in records]

    def _line_view(self, item: RmaLineRecord, line: ReturnableLine) -> RmaLineView:
        locale = self.uow.locale
        return RmaLineView(line.id, line.sku_code, pick(locale, line.name_zh, line.name_en),
                           pick(locale, line.variant_zh, line.variant_en), line.unit_price,
                           item.quantity, item.refund_amount)

    def _ticket(self, record: TicketRecord) -> TicketView:
        return TicketView(record.id, record.kind, dict(TICKET_KINDS)[record.kind], record.state,
                          record.subject, record.body, record.answer, record.answered_by,
                          record.created_at, record.answered_at)

    def _customer_id(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("the service center is a signed-in shopper's")
        return actor.id

    def _own_order(self, number: str) -> OrderRecord:
        found = self._orders.find(number, self._customer_id()) \
            if isinstance(number, str) else None
        if found is None:
            raise NotFound("no such order")
        return found

    def _find(self, number: str, customer_id: int | None = None) -> RmaRecord:
        found = self._repo.find(number, customer_id) \
            if isinstance(number, str) and len(number) <= 24 else None
        if found is None:
            raise NotFound("no such request")
        return found

    def _readable(self, number: str) -> RmaRecord:
        if self.uow.actor.kind == "shopper":
            return self._find(number, self._customer_id())
        self.uow.actor.require(Permission.ORDER_VIEW)
        return self._find(number)


_ACTION_LABELS = {"approve": _("approved"), "reject": _("rejected"),
                  "receive": _("received"), "refund": _("refunded"),
                  "replace": _("replaced")}
