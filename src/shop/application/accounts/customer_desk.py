"""The back office's customers (客户管理): ``uow.customer_desk``.

Staff with ``crm:customer:view`` list every shopper's account — searched by an exact email or
mobile number or the start of a name, filtered by member level, a registration date range in
the shop's time zone and whether they have ordered, sorted by registration and keyset-paged
(``after`` = the last customer shown: a page costs the same however deep) — export what the
filters match as rows read a batch at a time, and read one customer: profile, addresses, what
their orders come to, their latest orders and after-sales requests.

The list and the export show a mobile number masked (138****8000: enough to recognise, not
to call); the customer's own page shows it whole, as the order desk shows a recipient's. An
export is audited: it takes shoppers' contact details out of the shop.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import colander

from shop.application.accounts.levels import LEVELS, WINDOW, MemberStanding, standing
from shop.application.accounts.read_models import masked_mobile
from shop.application.actors import Permission
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.mobile import display_mobile, mainland_mobile
from shop.application.money import to_fen, to_money
from shop.application.ordering import states as order_states
from shop.application.rma import states as rma_states
from shop.application.validation import entity_key, validate
from shop.data.repositories.customer_desk import (
    CustomerDeskRepository,
    CustomerQuery,
    CustomerRecord,
    CustomerStats,
)
from shop.data.repositories.rma import RmaRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

PAGE_SIZE = 50
#: Customers an export reads per query (two queries a batch: the customers, their orders' sums).
EXPORT_BATCH = 500
#: Latest orders and after-sales requests on a customer's page.
RECENT = 10

#: The level filter: below the first level, or one level.
NO_LEVEL = "none"
LEVEL_FILTERS = {NO_LEVEL: _("No level"), **LEVELS}
SORT_LABELS = {"newest": _("Newest first"), "oldest": _("Oldest first")}
HAS_ORDERED = {"yes": _("Has ordered"), "no": _("Never ordered")}
GENDERS = {"male": _("Male"), "female": _("Female")}
DAYS = colander.Range(date(1970, 1, 1), date(9998, 12, 31),
                      min_err=_("Give a date from ${min}"), max_err=_("Give a date up to ${max}"))
_PHONE_LIKE = frozenset("+0123456789 -()")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _one_of(values: Any, missing: str = "") -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_strip, missing=missing,
                               validator=colander.OneOf(["", *values] if missing == "" else
                                                        list(values)))


class CustomerQuerySchema(colander.MappingSchema):
    """The customer list's filters; every one may be left out."""

    #: An email, a mainland mobile number (each matched exactly) or the start of a name.
    q = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                            validator=colander.Length(max=254))
    level = _one_of(LEVEL_FILTERS)
    since = colander.SchemaNode(colander.Date(), missing=None, validator=DAYS)
    until = colander.SchemaNode(colander.Date(), missing=None, validator=DAYS)
    has_ordered = _one_of(HAS_ORDERED)
    sort = _one_of(SORT_LABELS, missing="newest")
    #: The last customer of the page before (keyset paging).
    after = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                                validator=colander.Regex(r"^([0-9]{1,18})?$",
                                                         msg=_("No such customer")))


@dataclass(frozen=True)
class CustomerRow:
    """A customer as the list and the export show it."""

    id: int
    shown_name: str
    name: str
    username: str
    email: str
    #: Masked: 138****8000.
    mobile: str
    is_active: bool
    registered_at: datetime
    level: str | None
    level_label: Any
    orders: int
    spent: Decimal


@dataclass(frozen=True)
class CustomerPage:
    rows: tuple[CustomerRow, ...]
    #: The cleaned filters as query-string values (for the form, the next link, the exports).
    filters: dict[str, str]
    #: ``after`` for the next page; None on the last one.
    next_after: str | None


@dataclass(frozen=True)
class RecentOrderView:
    number: str
    placed_at: datetime
    state: str
    state_label: Any
    payable: Decimal


@dataclass(frozen=True)
class RecentRmaView:
    number: str
    order_number: str
    kind_label: Any
    state: str
    state_label: Any
    refund_total: Decimal
    created_at: datetime


@dataclass(frozen=True)
class CustomerDetail:
    row: CustomerRow
    #: The whole number, as a Chinese reader writes it ("138 0013 8000"); "" for none.
    mobile: str
    email_verified: bool
    mobile_verified: bool
    gender_label: Any
    birthday: date | None
    addresses: int
    orders: int
    #: Orders not called off (cancelled, or closed unpaid).
    kept_orders: int
    #: What the paid orders that were not called off came to (refunds are not taken off).
    spent: Decimal
    standing: MemberStanding
    recent_orders: tuple[RecentOrderView, ...]
    recent_rmas: tuple[RecentRmaView, ...]


class CustomerDesk:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = CustomerDeskRepository(uow._session)

    # -- the list ----------------------------------------------------------------------------

    def search(self, params: Mapping[str, Any]) -> CustomerPage:
        """One page of the customers the filters match: two queries (three after the first
        page), however many customers there are."""
        self.uow.actor.require(Permission.CUSTOMER_VIEW)
        values, query = self._query(params)
        anchor = self._anchor(values["after"])
        records = self._repo.search(query, values["sort"] == "newest", anchor, PAGE_SIZE + 1)
        shown = records[:PAGE_SIZE]
        return CustomerPage(self._rows(shown), _echo(values),
                            str(shown[-1].id) if len(records) > PAGE_SIZE else None)

    def begin_export(self, params: Mapping[str, Any], fmt: str) -> dict[str, str]:
        """Check the filters and record that the customers they match leave the shop; the
        cleaned filters for ``export_rows``."""
        self.uow.actor.require(Permission.CUSTOMER_VIEW)
        values, _query = self._query(params)
        echo = {k: v for k, v in _echo(values).items() if k != "after"}
        self.uow._audit.record("customer.export", "customer", None,
                               after={"filters": echo, "format": fmt})
        return echo

    def export_rows(self, params: Mapping[str, Any]) -> Iterator[CustomerRow]:
        """Every customer the filters match, in the list's order, read ``EXPORT_BATCH`` at a
        time by keyset: memory holds one batch however many match. Run it in a unit of work of
        its own: a web response streams it after the request's transaction has ended."""
        self.uow.actor.require(Permission.CUSTOMER_VIEW)
        values, query = self._query(params)
        newest = values["sort"] == "newest"
        anchor = None
        while True:
            batch = self._repo.search(query, newest, anchor, EXPORT_BATCH)
            yield from self._rows(batch)
            if len(batch) < EXPORT_BATCH:
                return
            anchor = batch[-1]

    def _query(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], CustomerQuery]:
        values = validate(CustomerQuerySchema(), params)
        if values["since"] and values["until"] and values["since"] > values["until"]:
            raise Invalid({"until": _("The end date is before the start date")})
        email = mobile = name = None
        text = values["q"]
        if "@" in text:
            email = text.lower()
        elif text and set(text) <= _PHONE_LIKE:
            mobile = mainland_mobile(text)
            if mobile is None:
                raise Invalid({"q": _("Enter an email, a mobile number or the start of a "
                                      "name")})
        elif text:
            name = text[:60]
        settings = self.uow.settings.current()
        zone = settings.zone
        spend_since = min_spend = below_spend = None
        if values["level"]:
            # In whole fen: the database sums integers, so 0.10 + 0.20 + 0.70 is 1.00 on
            # SQLite too (its REAL sum is 0.9999999999999999, below a 1.00 threshold).
            thresholds = {name: to_fen(to_money(amount))
                          for name, amount in settings.level_thresholds.items()}
            spend_since = self.uow.clock.now() - WINDOW
            names = list(LEVELS)
            if values["level"] == NO_LEVEL:
                below_spend = thresholds[names[0]]
            else:
                min_spend = thresholds[values["level"]]
                higher = names[names.index(values["level"]) + 1:]
                below_spend = thresholds[higher[0]] if higher else None
        has_ordered = {"yes": True, "no": False}.get(values["has_ordered"])
        return values, CustomerQuery(
            email=email, mobile=mobile, name_prefix=name,
            since=_start_of(values["since"], zone) if values["since"] else None,
            until=(_start_of(values["until"] + timedelta(days=1), zone)
                   if values["until"] else None),
            has_ordered=has_ordered, spend_since=spend_since, min_spend_fen=min_spend,
            below_spend_fen=below_spend)

    def _anchor(self, after: str) -> CustomerRecord | None:
        if not after:
            return None
        key = entity_key(after)
        anchor = self._repo.get(key) if key is not None else None
        if anchor is None:
            raise NotFound("no such customer")
        return anchor

    def _rows(self, records: list[CustomerRecord]) -> tuple[CustomerRow, ...]:
        stats = self._repo.stats([r.id for r in records], self.uow.clock.now() - WINDOW)
        thresholds = self.uow.settings.current().level_thresholds
        return tuple(_row(r, stats[r.id], standing(stats[r.id].spent_since, thresholds))
                     for r in records)

    # -- one customer ------------------------------------------------------------------------

    def detail(self, customer_id: object) -> CustomerDetail:
        """The customer's profile and what their orders and requests come to: six queries."""
        self.uow.actor.require(Permission.CUSTOMER_VIEW)
        key = entity_key(customer_id)
        record = self._repo.get(key) if key is not None else None
        if record is None:
            raise NotFound("no such customer")
        stats = self._repo.stats([record.id], self.uow.clock.now() - WINDOW)[record.id]
        member = standing(stats.spent_since, self.uow.settings.current().level_thresholds)
        rmas = RmaRepository(self.uow._session)
        requests = rmas.page(customer_id=record.id, limit=RECENT)
        numbers = rmas.order_numbers([r.order_id for r in requests]) if requests else {}
        return CustomerDetail(
            row=_row(record, stats, member),
            mobile=display_mobile(record.mobile) if record.mobile else "",
            email_verified=record.email_verified_at is not None,
            mobile_verified=record.mobile_verified_at is not None,
            gender_label=GENDERS.get(record.gender or "", ""), birthday=record.birthday,
            addresses=self._repo.address_count(record.id), orders=stats.orders,
            kept_orders=stats.kept, spent=stats.spent, standing=member,
            recent_orders=tuple(
                RecentOrderView(o.number, o.placed_at, o.state, order_states.LABELS[o.state],
                                o.payable)
                for o in self._repo.recent_orders(record.id, RECENT)),
            recent_rmas=tuple(
                RecentRmaView(r.number, numbers.get(r.order_id, ""),
                              rma_states.KIND_LABELS[r.kind], r.state,
                              rma_states.LABELS[r.state], r.refund_total, r.created_at)
                for r in requests))


def _row(record: CustomerRecord, stats: CustomerStats, member: MemberStanding) -> CustomerRow:
    masked = masked_mobile(record.mobile) if record.mobile else ""
    shown = (record.name or record.username or masked
             or (record.email or "").split("@")[0])
    return CustomerRow(
        id=record.id, shown_name=shown, name=record.name, username=record.username or "",
        email=record.email or "", mobile=masked, is_active=record.is_active,
        registered_at=record.created_at, level=member.level,
        level_label=member.level_name or "", orders=stats.orders, spent=stats.spent)


def _start_of(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _echo(values: Mapping[str, Any]) -> dict[str, str]:
    """The filters as query-string values: what was given, without the defaults."""
    return {key: value.isoformat() if isinstance(value, date) else str(value)
            for key, value in values.items()
            if value not in ("", None) and not (key == "sort" and value == "newest")}
