"""Coupon templates, batches, coupons and their uses (see ``shop.data.models.promotions``).

Every limit is kept by the statement that takes it: a template's ``issued_count`` grows only
through one conditional UPDATE (``take``), a coupon turns used only through one (``use``), and
a once-per-shopper coupon is a row whose ``limit_key`` is unique (``add_unless_taken``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from shop.data.models import Coupon, CouponBatch, CouponTemplate, Customer, DiscountUse, Order
from shop.data.repositories.batches import affected
from shop.data.repositories.rows import append_rows, insert_unless_taken

USABLE, USED = "usable", "used"


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    id: int
    name_zh: str
    name_en: str
    kind: str
    amount: Decimal | None
    percent: Decimal | None
    cap: Decimal | None
    min_spend: Decimal
    scope: str
    stacking: str
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    total_quantity: int | None
    issued_count: int
    per_customer_limit: int
    claimable: bool
    on_registration: bool
    public_code: str | None
    is_active: bool
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OrderForCoupon:
    customer_id: int
    state: str
    discount_total: Decimal
    shipping_fee: Decimal
    has_coupon: bool


@dataclass(frozen=True, slots=True)
class CouponRecord:
    id: int
    template_id: int
    batch_id: int | None
    code: str
    customer_id: int | None
    source: str
    limit_key: str | None
    state: str
    valid_from: datetime
    valid_until: datetime
    order_id: int | None
    used_at: datetime | None
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class CouponCounts:
    """One template's coupons by where they stand, and what their unreturned uses took off."""

    issued: int
    unbound: int
    used: int
    unused: int
    expired: int
    discount_given: Decimal
    orders: int


_TEMPLATE = [getattr(CouponTemplate, name) for name in TemplateRecord.__slots__]
_COUPON = [getattr(Coupon, name) for name in CouponRecord.__slots__]


class CouponRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Writes that stand or fall together: an exception undoes them, and only them."""
        with self.session.begin_nested():
            yield

    # -- templates ---------------------------------------------------------------------------

    def add_template(self, row: dict[str, Any]) -> int | None:
        """The new template's id; None when its public code is taken."""
        return insert_unless_taken(self.session, CouponTemplate, row, "public_code")

    def template(self, template_id: int) -> TemplateRecord | None:
        row = self.session.execute(select(*_TEMPLATE)
                                   .where(CouponTemplate.id == template_id)).first()
        return TemplateRecord(*row) if row else None

    def templates(self, before: int | None, limit: int) -> list[TemplateRecord]:
        statement = select(*_TEMPLATE)
        if before is not None:
            statement = statement.where(CouponTemplate.id < before)
        return [TemplateRecord(*row) for row in self.session.execute(
            statement.order_by(CouponTemplate.id.desc()).limit(limit))]

    def by_public_code(self, code: str) -> TemplateRecord | None:
        row = self.session.execute(select(*_TEMPLATE)
                                   .where(CouponTemplate.public_code == code)).first()
        return TemplateRecord(*row) if row else None

    def change_template(self, template_id: int, values: dict[str, Any]) -> bool:
        """Apply ``values``; False when a new total would fall below what was issued."""
        condition = [CouponTemplate.id == template_id]
        if values.get("total_quantity") is not None:
            condition.append(CouponTemplate.issued_count <= values["total_quantity"])
        return affected(self.session.execute(
            update(CouponTemplate).where(*condition).values(**values)
            .execution_options(synchronize_session=False))) == 1

    def live(self, now: datetime, limit: int, *, claimable: bool = False,
             on_registration: bool = False) -> list[TemplateRecord]:
        """Active templates not ended yet, soonest-ending first; only the claimable or the
        registration gifts when asked."""
        statement = select(*_TEMPLATE).where(
            CouponTemplate.is_active.is_(True),
            or_(CouponTemplate.valid_until.is_(None), CouponTemplate.valid_until > now))
        if claimable:
            statement = statement.where(CouponTemplate.claimable.is_(True))
        if on_registration:
            statement = statement.where(CouponTemplate.on_registration.is_(True))
        return [TemplateRecord(*row) for row in self.session.execute(
            statement.order_by(CouponTemplate.valid_until, CouponTemplate.id).limit(limit))]

    def take(self, template_id: int, count: int) -> bool:
        """Count ``count`` more coupons issued, unless that would pass the template's total:
        one conditional UPDATE, so racing issuers never together pass it."""
        return affected(self.session.execute(
            update(CouponTemplate)
            .where(CouponTemplate.id == template_id,
                   or_(CouponTemplate.total_quantity.is_(None),
                       CouponTemplate.issued_count + count <= CouponTemplate.total_quantity))
            .values(issued_count=CouponTemplate.issued_count + count)
            .execution_options(synchronize_session=False))) == 1

    # -- issuing -----------------------------------------------------------------------------

    def add_batch(self, template_id: int, kind: str, quantity: int, issued_by: str,
                  request_key: str | None) -> int | None:
        """The new batch's id; None when its request key was used before."""
        return insert_unless_taken(self.session, CouponBatch, {
            "template_id": template_id, "kind": kind, "quantity": quantity,
            "issued_by": issued_by, "request_key": request_key}, "request_key")

    def add_coupons(self, rows: Sequence[dict[str, Any]]) -> None:
        append_rows(self.session, Coupon, rows)

    def add_unless_taken(self, row: dict[str, Any]) -> int | None:
        """A coupon with a ``limit_key``: its id, or None when that key is taken."""
        return insert_unless_taken(self.session, Coupon, row, "limit_key")

    def codes_taken(self, codes: Sequence[str]) -> set[str]:
        return set(self.session.scalars(select(Coupon.code).where(Coupon.code.in_(codes))))

    def customers_missing(self, customer_ids: Sequence[int]) -> list[int]:
        found = set(self.session.scalars(select(Customer.id)
                                         .where(Customer.id.in_(customer_ids))))
        return [key for key in customer_ids if key not in found]

    def claims(self, customer_id: int, template_ids: Sequence[int]) -> dict[int, int]:
        """How many coupons of each template this shopper claimed (one grouped query)."""
        if not template_ids:
            return {}
        return {template: count for template, count in self.session.execute(
            select(Coupon.template_id, func.count())
            .where(Coupon.customer_id == customer_id, Coupon.source == "claim",
                   Coupon.template_id.in_(template_ids))
            .group_by(Coupon.template_id))}

    # -- one coupon --------------------------------------------------------------------------

    def by_code(self, code: str) -> CouponRecord | None:
        return self._one(Coupon.code == code)

    def by_limit_key(self, limit_key: str) -> CouponRecord | None:
        return self._one(Coupon.limit_key == limit_key)

    def bind(self, coupon_id: int, customer_id: int) -> bool:
        """Give an unowned coupon to ``customer_id``; True also when it was theirs already."""
        self.session.execute(
            update(Coupon).where(Coupon.id == coupon_id, Coupon.customer_id.is_(None))
            .values(customer_id=customer_id).execution_options(synchronize_session=False))
        return self.session.scalar(select(Coupon.customer_id)
                                   .where(Coupon.id == coupon_id)) == customer_id

    def use(self, coupon_id: int, customer_id: int, order_id: int, now: datetime) -> bool:
        """Usable → used by ``order_id``, only if it is the shopper's and unexpired."""
        return affected(self.session.execute(
            update(Coupon)
            .where(Coupon.id == coupon_id, Coupon.state == USABLE,
                   Coupon.customer_id == customer_id, Coupon.valid_from <= now,
                   Coupon.valid_until > now)
            .values(state=USED, order_id=order_id, used_at=now)
            .execution_options(synchronize_session=False))) == 1

    def order_for_coupon(self, order_id: int) -> OrderForCoupon | None:
        """What redeeming a coupon on the order checks: whose it is, its state, what it took
        off and its shipping fee, and whether a coupon is on it already. One query."""
        row = self.session.execute(
            select(Order.customer_id, Order.state, Order.discount_total, Order.shipping_fee,
                   select(DiscountUse.id).where(DiscountUse.order_id == Order.id,
                                                DiscountUse.coupon_id.is_not(None))
                   .exists().label("has_coupon"))
            .where(Order.id == order_id)).first()
        return OrderForCoupon(*row) if row else None

    def add_use(self, coupon_id: int, customer_id: int, order_id: int,
                amount: Decimal) -> None:
        append_rows(self.session, DiscountUse, [{
            "coupon_id": coupon_id, "customer_id": customer_id, "order_id": order_id,
            "amount": amount}])

    def give_back(self, order_id: int, ended: Sequence[str], customer_id: int | None,
                  now: datetime) -> list[int]:
        """If the order is in one of the ``ended`` states: mark its unreturned coupon uses
        returned, and put back those of its coupons still unexpired; the ids of the coupons
        whose uses were returned. A second call finds no unreturned use and changes nothing."""
        condition: list[ColumnElement[bool]] = [
            DiscountUse.order_id.in_(select(Order.id).where(Order.id == order_id,
                                                            Order.state.in_(ended))),
            DiscountUse.coupon_id.is_not(None), DiscountUse.returned_at.is_(None)]
        if customer_id is not None:
            condition.append(DiscountUse.customer_id == customer_id)
        returned = [key for key in self.session.scalars(
            update(DiscountUse).where(*condition).values(returned_at=now)
            .returning(DiscountUse.coupon_id).execution_options(synchronize_session=False))
            if key is not None]
        if returned:
            self.session.execute(
                update(Coupon)
                .where(Coupon.id.in_(returned), Coupon.order_id == order_id,
                       Coupon.valid_until > now)
                .values(state=USABLE, order_id=None, used_at=None)
                .execution_options(synchronize_session=False))
        return returned

    def retake(self, order_id: int, now: datetime) -> bool:
        """The order's given-back coupon uses, taken again for it (a late payment revived it):
        False, changing nothing, when one of its coupons went to another order meanwhile. A
        coupon that expired after the order was placed is still the order's: the order keeps
        the price it was placed at."""
        uses = list(self.session.execute(
            select(DiscountUse.id, DiscountUse.coupon_id)
            .where(DiscountUse.order_id == order_id, DiscountUse.coupon_id.is_not(None),
                   DiscountUse.returned_at.is_not(None))))
        for use_id, coupon_id in uses:
            taken = affected(self.session.execute(
                update(Coupon).where(Coupon.id == coupon_id, or_(
                    Coupon.state == USABLE, Coupon.order_id == order_id))
                .values(state=USED, order_id=order_id, used_at=now)
                .execution_options(synchronize_session=False)))
            if not taken:
                return False
            self.session.execute(update(DiscountUse).where(DiscountUse.id == use_id)
                                 .values(returned_at=None)
                                 .execution_options(synchronize_session=False))
        return True

    # -- a shopper's coupons -----------------------------------------------------------------

    def usable(self, customer_id: int, now: datetime,
               limit: int) -> list[tuple[CouponRecord, TemplateRecord]]:
        """The shopper's coupons usable now, each with its template, soonest to expire first."""
        rows = self.session.execute(
            select(*_COUPON, *_TEMPLATE).join(CouponTemplate,
                                              CouponTemplate.id == Coupon.template_id)
            .where(Coupon.customer_id == customer_id, Coupon.state == USABLE,
                   Coupon.valid_until > now, Coupon.valid_from <= now)
            .order_by(Coupon.valid_until, Coupon.id).limit(limit))
        width = len(_COUPON)
        return [(CouponRecord(*row[:width]), TemplateRecord(*row[width:])) for row in rows]

    def page(self, customer_id: int, tab: str, now: datetime,
             after: tuple[datetime, int] | None,
             limit: int) -> list[tuple[CouponRecord, TemplateRecord, str | None]]:
        """One page of a tab of 我的优惠券 (``usable``, ``used``, ``expired``), keyset-paged
        after ``(sort time, id)``: each coupon with its template and its order's number."""
        if tab == USED:
            key, newest_first = Coupon.used_at, True
            condition = [Coupon.state == USED]
        elif tab == USABLE:
            key, newest_first = Coupon.valid_until, False
            condition = [Coupon.state == USABLE, Coupon.valid_until > now]
        else:  # expired: usable ones whose time ran out, the latest lost first
            key, newest_first = Coupon.valid_until, True
            condition = [Coupon.state == USABLE, Coupon.valid_until <= now]
        if after is not None:
            at, last = after
            if newest_first:
                condition.append(or_(key < at, and_(key == at, Coupon.id < last)))
            else:
                condition.append(or_(key > at, and_(key == at, Coupon.id > last)))
        order = (key.desc(), Coupon.id.desc()) if newest_first else (key, Coupon.id)
        rows = self.session.execute(
            select(*_COUPON, *_TEMPLATE, Order.number)
            .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
            .outerjoin(Order, Order.id == Coupon.order_id)
            .where(Coupon.customer_id == customer_id, *condition)
            .order_by(*order).limit(limit))
        width, both = len(_COUPON), len(_COUPON) + len(_TEMPLATE)
        return [(CouponRecord(*row[:width]), TemplateRecord(*row[width:both]), row[both])
                for row in rows]

    # -- reporting ---------------------------------------------------------------------------

    def counts(self, template_id: int, now: datetime) -> CouponCounts:
        """Two aggregate queries: the coupons by state, and their unreturned uses."""
        usable = Coupon.state == USABLE
        coupons = self.session.execute(
            select(func.count(),
                   func.count(case((Coupon.customer_id.is_(None), 1))),
                   func.count(case((Coupon.state == USED, 1))),
                   func.count(case((and_(usable, Coupon.valid_until > now), 1))),
                   func.count(case((and_(usable, Coupon.valid_until <= now), 1))))
            .where(Coupon.template_id == template_id)).one()
        uses = self.session.execute(
            select(func.coalesce(func.sum(DiscountUse.amount), 0),
                   func.count(func.distinct(DiscountUse.order_id)))
            .join(Coupon, Coupon.id == DiscountUse.coupon_id)
            .where(Coupon.template_id == template_id,
                   DiscountUse.returned_at.is_(None))).one()
        issued, unbound, used, unused, expired = (int(n) for n in coupons)
        return CouponCounts(issued, unbound, used, unused, expired,
                            Decimal(uses[0]).quantize(Decimal("0.01")), int(uses[1]))

    def _one(self, condition: Any) -> CouponRecord | None:
        row = self.session.execute(select(*_COUPON).where(condition)).first()
        return CouponRecord(*row) if row else None
