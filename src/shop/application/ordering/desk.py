"""The back office's order desk (订单处理): ``uow.order_desk``.

Staff with ``order:order:view`` list every shopper's orders — filtered by state, a date range in
the shop's time zone, an amount range, the payment method, a flag, the review status, or
searched by order number or the recipient's mobile — sorted by time or amount and keyset-paged
(``after`` = the last number shown: a page costs the same however deep), export what the
filters match as rows read a batch at a time, and read one order whole: its lines, amounts and
promotions, payments, shipments, timeline, flags, notes and review.

Staff with ``order:order:manage`` (customer service, administrators) flag orders (urgent, risk,
VIP, a custom text), write notes, and ship; every such write is audited. The review of orders
before they ship is ``shop.application.ordering.review``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.mobile import display_mobile, mainland_mobile
from shop.application.ordering import states
from shop.application.ordering.desk_schemas import (
    CUSTOM,
    FLAG_LABELS,
    HELD,
    PENDING,
    REJECTED,
    REVIEW_LABELS,
    FlagSchema,
    NoteSchema,
    OrderQuerySchema,
)
from shop.application.ordering.entry_schemas import APPROVAL_LABELS
from shop.application.ordering.entry_schemas import APPROVED as APPROVAL_APPROVED
from shop.application.ordering.payment_methods import LABELS as PAYMENT_LABELS
from shop.application.regions.table import address_names
from shop.application.sales_channels import ORDER_CHANNELS
from shop.application.validation import entity_key, validate
from shop.data.repositories.order_desk import DeskQuery, FlagRecord, OrderDeskRepository
from shop.data.repositories.order_entry import OrderEntryRepository
from shop.data.repositories.ordering import OrderRecord, OrderRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.ordering.read_models import OrderDetail
    from shop.application.payments.service import TenderView

PAGE_SIZE = 50
#: Orders an export reads per query (two queries a batch: the orders, then their flags).
EXPORT_BATCH = 500
_NUMBER_LENGTH = 20


@dataclass(frozen=True)
class FlagView:
    id: int
    kind: str
    label: Any  # a translation string
    text: str
    created_by: str
    created_at: datetime

    @property
    def shown(self) -> Any:
        """What a badge says: a custom flag's words, else its kind's label."""
        return self.text or self.label


@dataclass(frozen=True)
class NoteView:
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class DeskRow:
    """An order as the list and the export show it."""

    number: str
    placed_at: datetime
    state: str
    state_label: Any
    payment_method: str
    payment_label: Any
    items_total: Decimal
    discount_total: Decimal
    shipping_fee: Decimal
    covered_total: Decimal
    payable: Decimal
    recipient: str
    mobile: str
    address: str
    remarks: str
    flags: tuple[FlagView, ...]
    review: str | None
    review_label: Any


@dataclass(frozen=True)
class DeskPage:
    rows: tuple[DeskRow, ...]
    #: The cleaned filters as query-string values (for the form, the next link, the exports).
    filters: dict[str, str]
    #: ``after`` for the next page; None on the last one.
    next_after: str | None


@dataclass(frozen=True)
class DeskDetail:
    order: OrderDetail
    flags: tuple[FlagView, ...]
    notes: tuple[NoteView, ...]
    tenders: tuple[TenderView, ...]
    review: str | None
    review_label: Any
    #: Whether the ship action applies now (paid or cash on delivery, not held by review).
    can_ship: bool
    #: Whether a person may decide its review now (pending or held).
    can_review: bool
    #: Why the review rules in force leave it to a person (while it waits).
    review_reasons: tuple[Any, ...] = ()
    #: Where it came from (``shop.application.sales_channels.ORDER_CHANNELS``), and for an
    #: order staff entered: who, a zero-amount order's reason and approval, a group-buy
    #: order's platform and id there (``shop.application.ordering.entry``).
    channel_label: Any = ""
    entered_by: str | None = None
    approval: str | None = None
    approval_label: Any = ""
    entry_reason: str = ""
    external_ref: str = ""


class OrderDesk:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._orders = OrderRepository(uow._session)
        self._repo = OrderDeskRepository(uow._session)

    # -- the list ----------------------------------------------------------------------------

    def search(self, params: Mapping[str, Any]) -> DeskPage:
        """One page of the orders the filters match: three queries (four after the first page),
        however many orders there are."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        values, query = self._query(params)
        anchor = self._anchor(values["after"])
        records = self._repo.search(query, values["sort"], anchor, PAGE_SIZE + 1)
        shown = records[:PAGE_SIZE]
        return DeskPage(self._rows(shown), _echo(values),
                        shown[-1].number if len(records) > PAGE_SIZE else None)

    def begin_export(self, params: Mapping[str, Any], fmt: str) -> dict[str, str]:
        """Check the filters and record that the orders they match leave the shop (an export
        holds shoppers' names, phones and addresses); the cleaned filters for ``export_rows``."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        values, _query = self._query(params)
        echo = {k: v for k, v in _echo(values).items() if k != "after"}
        self.uow._audit.record("order.export", "order", None,
                               after={"filters": echo, "format": fmt})
        return echo

    def export_rows(self, params: Mapping[str, Any]) -> Iterator[DeskRow]:
        """Every order the filters match, in the list's order, read ``EXPORT_BATCH`` at a time
        by keyset: memory holds one batch however many match. Run it in a unit of work of its
        own: a web response streams it after the request's transaction has ended."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        values, query = self._query(params)
        anchor = None
        while True:
            batch = self._repo.search(query, values["sort"], anchor, EXPORT_BATCH)
            yield from self._rows(batch)
            if len(batch) < EXPORT_BATCH:
                return
            anchor = batch[-1]

    def _query(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], DeskQuery]:
        values = validate(OrderQuerySchema(), params)
        if values["since"] and values["until"] and values["since"] > values["until"]:
            raise Invalid({"until": _("The end date is before the start date")})
        if values["min_payable"] is not None and values["max_payable"] is not None \
                and values["min_payable"] > values["max_payable"]:
            raise Invalid({"max_payable": _("The largest amount is below the smallest")})
        number = mobile = None
        if values["q"]:
            digits = values["q"].replace(" ", "").replace("-", "")
            if len(digits) == _NUMBER_LENGTH and digits.isdigit():
                number = digits
            else:
                mobile = mainland_mobile(values["q"])
                if mobile is None:
                    raise Invalid({"q": _("Enter an order number (20 digits) or a mobile "
                                          "number")})
        zone = self.uow.settings.current().zone
        review = values["review"]
        return values, DeskQuery(
            states=(values["state"],) if values["state"] else (),
            since=_start_of(values["since"], zone) if values["since"] else None,
            until=(_start_of(values["until"] + timedelta(days=1), zone)
                   if values["until"] else None),
            min_payable=values["min_payable"], max_payable=values["max_payable"],
            payment_method=values["payment_method"] or None, flag=values["flag"] or None,
            number=number, mobile=mobile,
            reviews=(PENDING, HELD) if review == "queue" else (review,) if review else ())

    def _anchor(self, after: str) -> OrderRecord | None:
        if not after:
            return None
        anchor = self._orders.find(after)
        if anchor is None:
            raise NotFound("no such order")
        return anchor

    def _rows(self, records: list[OrderRecord]) -> tuple[DeskRow, ...]:
        flags = self._repo.flags([r.id for r in records])
        return tuple(self._row(r, flags[r.id]) for r in records)

    def _row(self, order: OrderRecord, flags: list[FlagRecord]) -> DeskRow:
        locale = self.uow.locale
        regions = address_names((order.province_code, order.city_code, order.district_code),
                                locale)
        return DeskRow(
            number=order.number, placed_at=order.placed_at, state=order.state,
            state_label=states.LABELS[order.state], payment_method=order.payment_method,
            payment_label=PAYMENT_LABELS.get(order.payment_method, order.payment_method),
            items_total=order.items_total, discount_total=order.discount_total,
            shipping_fee=order.shipping_fee, covered_total=order.covered_total,
            payable=order.payable, recipient=order.recipient,
            mobile=display_mobile(order.mobile), address=" ".join((*regions, order.street)),
            remarks=order.remarks, flags=tuple(_flag(f) for f in flags), review=order.review,
            review_label=REVIEW_LABELS.get(order.review or "", ""))

    # -- one order ---------------------------------------------------------------------------

    def detail(self, number: str) -> DeskDetail:
        """The order whole, for staff: what the shopper sees, and the payments, flags, notes
        and review status that only staff do."""
        self.uow.actor.require(Permission.ORDER_VIEW)
        order = self._find(number)
        detail = self.uow.orders.get(order.number)
        return DeskDetail(
            order=detail, flags=tuple(_flag(f) for f in self._repo.flags([order.id])[order.id]),
            notes=tuple(NoteView(n.author, n.text, n.created_at)
                        for n in self._repo.notes(order.id)),
            tenders=tuple(self.uow.payments.tenders_of(order.number)),
            review=order.review, review_label=REVIEW_LABELS.get(order.review or "", ""),
            can_ship=order.state in (states.PAID, states.AWAITING_SHIPMENT)
            and order.review not in (PENDING, HELD, REJECTED)
            and order.approval in (None, APPROVAL_APPROVED),
            can_review=order.review in (PENDING, HELD)
            and order.state in (states.PAID, states.AWAITING_SHIPMENT),
            review_reasons=(self.uow.order_review._reasons(order)
                            if order.review in (PENDING, HELD) else ()),
            **self._entry(order))

    def _entry(self, order: OrderRecord) -> dict[str, Any]:
        """What staff said about an order they entered; one query, only for such an order."""
        shown: dict[str, Any] = {
            "channel_label": ORDER_CHANNELS.get(order.channel, order.channel),
            "entered_by": order.entered_by, "approval": order.approval,
            "approval_label": APPROVAL_LABELS.get(order.approval or "", "")}
        entry = OrderEntryRepository(self.uow._session).find(order.id) \
            if order.entered_by is not None else None
        if entry is not None:
            shown["entry_reason"] = entry.reason
            shown["external_ref"] = (f"{entry.platform} {entry.external_id}"
                                     if entry.platform else "")
        return shown

    # -- staff marks -------------------------------------------------------------------------

    def flag(self, number: str, data: Mapping[str, Any]) -> FlagView | None:
        """Mark the order (``kind``: urgent, risk, vip, custom with ``text``); None when it
        carries that flag already (nothing written). Audited."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(FlagSchema(), data)
        text = values["text"] if values["kind"] == CUSTOM else ""
        if values["kind"] == CUSTOM and not text:
            raise Invalid({"text": _("Write the custom flag's words")})
        order = self._find(number)
        flag_id = self._repo.add_flag(order, values["kind"], text, self.uow.actor.name)
        if flag_id is None:
            return None
        self.uow._audit.record("order.flag.add", "order", order.number,
                               after={"flag": values["kind"], "text": text})
        return next(_flag(f) for f in self._repo.flags([order.id])[order.id] if f.id == flag_id)

    def unflag(self, number: str, flag_id: object) -> None:
        """Take a flag off the order. Audited; a flag already gone is ``NotFound``."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        order = self._find(number)
        key = entity_key(flag_id)
        removed = self._repo.remove_flag(order.id, key) if key is not None else None
        if removed is None:
            raise NotFound("no such flag")
        self.uow._audit.record("order.flag.remove", "order", order.number,
                               before={"flag": removed.kind, "text": removed.text})

    def add_note(self, number: str, data: Mapping[str, Any]) -> None:
        """A staff note on the order (never shown to the shopper). Audited."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(NoteSchema(), data)
        order = self._find(number)
        self._repo.add_note(order.id, self.uow.actor.name, values["text"])
        self.uow._audit.record("order.note.add", "order", order.number,
                               after={"note": values["text"]})

    def ship(self, number: str, data: Mapping[str, Any]) -> None:
        """Hand the order to a carrier (``uow.orders.ship``, which refuses while its review
        waits for a person)."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        self.uow.orders.ship(self._find(number).number, data)

    def _find(self, number: str) -> OrderRecord:
        found = (self._orders.find(number)
                 if isinstance(number, str) and len(number) == _NUMBER_LENGTH else None)
        if found is None:
            raise NotFound("no such order")
        return found


def _flag(record: FlagRecord) -> FlagView:
    return FlagView(record.id, record.kind, FLAG_LABELS[record.kind], record.text,
                    record.created_by, record.created_at)


def _start_of(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _echo(values: Mapping[str, Any]) -> dict[str, str]:
    """The filters as query-string values: what was given, without the defaults."""
    return {key: value.isoformat() if isinstance(value, date) else str(value)
            for key, value in values.items()
            if value not in ("", None) and not (key == "sort" and value == "newest")}
