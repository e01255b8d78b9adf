"""Coupons (优惠券): staff define templates and issue them (printed codes, grants to chosen
shoppers, a registration gift, a public code); shoppers claim them in the coupon center, add a
code to their account and see theirs; the checkout lists, finds, redeems and gives them back.

Limits hold under racing requests because each is taken by one statement: a template's total by
a conditional UPDATE of ``issued_count``, a coupon's single use by a conditional UPDATE of its
state, a once-per-shopper coupon by its unique ``limit_key`` (``claim:<template>:<customer>:<n>``
for the n-th claim, ``public:…`` and ``registration:…``). Where a use case takes two such
limits, both are in one savepoint, so the loser's refusal leaves nothing half-written even when
its caller catches the error and commits the rest.

Wrong codes a shopper types count against the account and the address (``GUESSES``), and every
refusal reads the same, so nobody learns which codes exist or whose they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.ordering.states import (
    AWAITING_PAYMENT,
    AWAITING_SHIPMENT,
    CANCELLED,
    CLOSED,
)
from shop.application.promotions.coupon_codes import (
    PUBLIC_CODE,
    draw_code,
    draw_codes,
    looks_like_code,
    normalize_code,
)
from shop.application.promotions.coupon_schemas import (
    GrantSchema,
    IssueSchema,
    RedeemSchema,
    TemplateTermsSchema,
    stored_terms,
    template_schema,
)
from shop.application.promotions.coupon_views import (
    CenterEntry,
    CouponOffer,
    CouponPage,
    CouponReport,
    Granted,
    IssuedCodes,
    MyCoupon,
    TemplateView,
    cursor,
    my_coupon,
    offer,
    read_cursor,
    template_view,
)
from shop.application.promotions.scope_codes import ID_LISTS, scope_ids
from shop.application.security.throttle import Limit, Rule, Throttle
from shop.application.validation import validate
from shop.data.repositories.coupons import USABLE, USED, CouponRepository, TemplateRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Wrong codes: 20 within an hour and the 21st is refused for a while.
GUESSES = Limit(20, timedelta(hours=1))
TABS = ("usable", "used", "expired")
MAX_PAGE = 50
#: More coupons than a checkout lists, or templates than the center shows, is not a page.
MAX_LISTED = 100
#: The states of an order whose coupons go back (ended unpaid, or called off).
ENDED = (CLOSED, CANCELLED)
#: The states an order is placed in: the only ones a coupon is redeemed on.
PLACED = (AWAITING_PAYMENT, AWAITING_SHIPMENT)
GONE = _("This coupon has just been used or has expired")
WRONG_CODE = _("That code is not a coupon you can add")


class CouponService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = CouponRepository(uow._session)

    # -- staff: templates --------------------------------------------------------------------

    def create_template(self, data: Mapping[str, Any]) -> TemplateView:
        """A new template (PROMOTION_MANAGE; audited). See ``coupon_schemas`` for the fields:
        a fixed window (``valid_from`` < ``valid_until``) or ``valid_days`` after issue."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        now = self.uow.clock.now()
        values = validate(template_schema(self.uow.settings.current().zone, now), data)
        row = {**stored_terms(values, now), "scope": _document(values["scope"]),
               "stacking": _document(values["stacking"]), "created_by": self.uow.actor.name}
        template_id = self.repo.add_template(row)
        if template_id is None:
            raise Invalid({"public_code": _("This code is taken by another coupon")})
        template = self._template(template_id)
        self.uow._audit.record("promotions.coupons.template.create", "coupon_template",
                               template_id, after=_audited(template))
        return template_view(template)

    def update_template(self, template_id: int, data: Mapping[str, Any]) -> TemplateView:
        """Change a template's names, limits and where it is offered (PROMOTION_MANAGE;
        audited). Its discount and validity stay: issued coupons keep their terms."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        before = self._template(template_id)
        values = validate(TemplateTermsSchema(), data)
        if not self.repo.change_template(template_id, values):
            raise Invalid({"total_quantity": _("At least the ${issued} already issued",
                                               mapping={"issued": before.issued_count})})
        after = self._template(template_id)
        self.uow._audit.record("promotions.coupons.template.update", "coupon_template",
                               template_id, before=_audited(before), after=_audited(after))
        return template_view(after)

    def deactivate_template(self, template_id: int) -> TemplateView:
        """Stop issuing, claiming and accepting the public code of a template (coupons already
        in shoppers' hands stay usable until they expire). Idempotent; audited once."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        template = self._template(template_id)
        if template.is_active:
            self.repo.change_template(template_id, {"is_active": False})
            self.uow._audit.record("promotions.coupons.template.deactivate",
                                   "coupon_template", template_id)
        return template_view(self._template(template_id))

    def template(self, template_id: int) -> TemplateView:
        self.uow.actor.require(Permission.PROMOTION_VIEW)
        return template_view(self._template(template_id))

    def templates(self, before: int | None = None, limit: int = 50) -> list[TemplateView]:
        """Newest first, keyset-paged by id (PROMOTION_VIEW)."""
        self.uow.actor.require(Permission.PROMOTION_VIEW)
        return [template_view(t) for t in self.repo.templates(before, _bounded(limit))]

    def scope_from_codes(self, typed: Mapping[str, Any]) -> dict[str, Any]:
        """The scope for ``create_template`` from what staff type: ``everything``, and each
        id list as slugs or SKU codes (``{"category_ids": "shirts, dresses"}``); ``Invalid``
        at ``scope.<list>`` names an unknown code. Reads only (PROMOTION_MANAGE)."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        return {"everything": typed.get("everything", False),
                **scope_ids(self.uow, typed, {name: name for name in ID_LISTS})}

    # -- staff: issuing ----------------------------------------------------------------------

    def issue_codes(self, template_id: int, quantity: int | str,
                    request_key: str | None) -> IssuedCodes:
        """A batch of unowned codes, each bound by the first shopper who enters it; returned
        this once. A request key sent again issues nothing (``Conflict``). A template valid
        for some days counts them from the batch's issue, not from a code's binding."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        values = validate(IssueSchema(), {"quantity": quantity, "request_key": request_key})
        template, now = self._issuable(template_id), self.uow.clock.now()
        count = values["quantity"]
        codes = draw_codes(count, self.repo.codes_taken)
        batch_id = self._batch(template, "codes", count, values["request_key"])
        self.repo.add_coupons([_coupon_row(template, now, code, "batch", batch_id=batch_id)
                               for code in codes])
        self.uow._audit.record("promotions.coupons.issue", "coupon_batch", batch_id,
                               after={"template_id": template.id, "quantity": count})
        return IssuedCodes(batch_id, template.id, tuple(codes))

    def grant(self, template_id: int, customer_ids: Sequence[int | str],
              request_key: str | None) -> Granted:
        """One coupon to each chosen shopper (their per-shopper claim limit does not apply:
        staff chose them). A request key sent again grants nothing (``Conflict``)."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        values = validate(GrantSchema(), {"customer_ids": list(customer_ids),
                                          "request_key": request_key})
        chosen = list(dict.fromkeys(values["customer_ids"]))
        missing = self.repo.customers_missing(chosen)
        if missing:
            raise Invalid({"customer_ids": _("No such shoppers: ${ids}", mapping={
                "ids": ", ".join(map(str, missing[:20]))})})
        template, now = self._issuable(template_id), self.uow.clock.now()
        batch_id = self._batch(template, "grant", len(chosen), values["request_key"])
        codes = draw_codes(len(chosen), self.repo.codes_taken)
        self.repo.add_coupons([
            _coupon_row(template, now, code, "grant", batch_id=batch_id, customer_id=customer)
            for code, customer in zip(codes, chosen, strict=True)])
        self.uow._audit.record("promotions.coupons.grant", "coupon_batch", batch_id,
                               after={"template_id": template.id, "customer_ids": chosen})
        return Granted(batch_id, template.id, tuple(chosen))

    def report(self, template_id: int) -> CouponReport:
        """Issued, used, unused, expired, the discount given and on how many orders
        (PROMOTION_VIEW): aggregate queries, whatever the number of coupons."""
        self.uow.actor.require(Permission.PROMOTION_VIEW)
        self._template(template_id)
        counts = self.repo.counts(template_id, self.uow.clock.now())
        return CouponReport(template_id, counts.issued, counts.unbound, counts.used,
                            counts.unused, counts.expired, counts.discount_given, counts.orders)

    # -- shoppers ----------------------------------------------------------------------------

    def center(self) -> list[CenterEntry]:
        """领券中心: claimable templates not ended yet, soonest-ending first, with how many are
        left and — for a signed-in shopper — whether they may still claim one."""
        now = self.uow.clock.now()
        templates = self.repo.live(now, MAX_LISTED, claimable=True)
        actor = self.uow.actor
        if actor.kind != "shopper" or actor.id is None:
            return [CenterEntry(template_view(t), _left(t), None) for t in templates]
        claimed = self.repo.claims(actor.id, [t.id for t in templates])
        return [CenterEntry(template_view(t), _left(t), _left(t) != 0
                            and claimed.get(t.id, 0) < t.per_customer_limit)
                for t in templates]

    def claim(self, template_id: int) -> MyCoupon:
        """领取: one coupon of a claimable template, within its total and this shopper's limit.
        Two claims racing for the shopper's last one: one lands, the other is ``Conflict``."""
        customer = self._shopper()
        template = self._issuable(template_id)
        if not template.claimable:
            raise NotFound(f"no claimable coupon template {template_id}")
        n = self.repo.claims(customer, [template.id]).get(template.id, 0) + 1
        if n > template.per_customer_limit:
            raise Conflict(_("You have claimed as many of this coupon as one shopper may"))
        now = self.uow.clock.now()
        row = _coupon_row(template, now, draw_code(), "claim", customer_id=customer,
                          limit_key=f"claim:{template.id}:{customer}:{n}")
        coupon_id = self._issue_one(template, row, taken=_("You have already claimed this "
                                                           "coupon"))
        coupon = self.repo.by_limit_key(row["limit_key"])
        assert coupon is not None and coupon.id == coupon_id
        return my_coupon(coupon, template, None, now)

    def add_code(self, code: str) -> MyCoupon:
        """兑换: bind a batch code to the signed-in shopper. Unknown, someone else's, used and
        expired codes get the same refusal, and count as a wrong guess (``GUESSES``) against
        the account and the visitor's address (the unit of work's ``client_ip``)."""
        customer = self._shopper()
        throttle, rules = self._guesses(customer)
        throttle.refuse_if_reached(rules)
        typed = normalize_code(code) if isinstance(code, str) else ""
        coupon = self.repo.by_code(typed) if looks_like_code(typed) else None
        now = self.uow.clock.now()
        if coupon is None or coupon.source != "batch" or coupon.state != USABLE \
                or coupon.customer_id not in (None, customer) or coupon.valid_until <= now \
                or not self.repo.bind(coupon.id, customer):
            throttle.count_failure(rules)
            raise Invalid({"code": WRONG_CODE})
        if coupon.customer_id is None:
            self.uow._audit.record("promotions.coupons.bind", "coupon", coupon.id,
                                   after={"customer_id": customer})
        return my_coupon(coupon, self._template(coupon.template_id), None, now)

    def mine(self, tab: str = "usable", after: str | None = None,
             limit: int = 20) -> CouponPage:
        """我的优惠券, one tab (``usable`` soonest to expire first, ``used`` latest first,
        ``expired`` latest first), one query per page; ``after`` is the previous page's
        ``next_after``."""
        customer = self._shopper()
        if tab not in TABS:
            raise Invalid({"tab": _("Choose usable, used or expired coupons")})
        position = None
        if after:
            position = read_cursor(after)
            if position is None:
                raise Invalid({"after": _("Not a page of your coupons")})
        now, size = self.uow.clock.now(), _bounded(limit)
        rows = self.repo.page(customer, tab, now, position, size + 1)
        items = tuple(my_coupon(c, t, number, now) for c, t, number in rows[:size])
        last = items[-1] if len(rows) > size else None
        sort_time = None if last is None else last.used_at if tab == USED else last.valid_until
        return CouponPage(items, None if last is None or sort_time is None
                          else cursor(sort_time, last.id))

    # -- the checkout's primitives (called inside the checkout's transaction) ------------------

    def usable_for_checkout(self, customer_id: int) -> list[CouponOffer]:
        """The shopper's coupons usable now, soonest to expire first, with their terms."""
        self._acting_for(customer_id)
        return [offer(t, c.id, c.code, c.valid_from, c.valid_until)
                for c, t in self.repo.usable(customer_id, self.uow.clock.now(), MAX_LISTED)]

    def find_public(self, code: str, customer_id: int) -> CouponOffer | None:
        """The offer of a public code this shopper may still use, or None (unknown, inactive,
        outside its window, all used up, or used by this shopper already). A use given back
        by a cancelled order is found again, as the shopper's own coupon."""
        self._acting_for(customer_id)
        typed = normalize_code(code) if isinstance(code, str) else ""
        template = self.repo.by_public_code(typed) if PUBLIC_CODE.fullmatch(typed) else None
        now = self.uow.clock.now()
        if template is None or not _live(template, now):
            return None
        earlier = self.repo.by_limit_key(_public_key(template.id, customer_id))
        if earlier is not None:
            usable = earlier.state == USABLE and earlier.valid_from <= now < earlier.valid_until
            return offer(template, earlier.id, earlier.code, earlier.valid_from,
                         earlier.valid_until) if usable else None
        if _left(template) == 0:
            return None
        valid_from, valid_until = _window(template, now)
        return offer(template, None, typed, valid_from, valid_until)

    def typed_at_checkout(self, code: str, customer_id: int) -> CouponOffer:
        """A code typed at checkout: a public code this shopper may use (``find_public``),
        else ``Invalid`` on ``coupon_code``. A code that is no public code at all is a wrong
        guess like ``add_code``'s, counted against the account and the address; a public code
        run out or used already is not (public codes are no secret, and a crowd typing one
        that just ran out is not guessing)."""
        self._acting_for(customer_id)
        throttle, rules = self._guesses(customer_id)
        throttle.refuse_if_reached(rules)
        found = self.find_public(code, customer_id)
        if found is None:
            typed = normalize_code(code) if isinstance(code, str) else ""
            if not (PUBLIC_CODE.fullmatch(typed) and self.repo.by_public_code(typed)):
                throttle.count_failure(rules)
            raise Invalid({"coupon_code": _(
                "No coupon has this code, or you have used it already")})
        return found

    def _guesses(self, customer_id: int) -> tuple[Throttle, list[Rule]]:
        """Wrong codes count against the account and the visitor's address (``GUESSES``)."""
        rules = [Rule(f"coupon-code:customer:{customer_id}", GUESSES, "account")]
        if self.uow.client_ip:
            rules.append(Rule(f"coupon-code:ip:{self.uow.client_ip}", GUESSES, "ip"))
        return Throttle(self.uow), rules

    def redeem(self, coupon_offer: CouponOffer, customer_id: int, order_id: int,
               amount: Decimal | str) -> None:
        """Use the coupon on ``order_id``, which it took ``amount`` off: a held coupon turns
        used in one conditional UPDATE; a public code's use is a new used coupon, once per
        shopper. Either way a ``DiscountUse`` row records it. ``Conflict`` when it was used
        meanwhile (another order, a double click) or has just expired.

        The order must be the shopper's, just placed, with no coupon yet, and the amount
        within what the order took off (a free-shipping coupon: an order shipped free):
        ``Forbidden`` otherwise, so no caller books a coupon onto an order it did not price."""
        self._acting_for(customer_id)
        taken = validate(RedeemSchema(), {"amount": amount})["amount"]
        order = self.repo.order_for_coupon(order_id)
        if order is None or order.customer_id != customer_id or order.has_coupon \
                or order.state not in PLACED or (
                    taken > order.discount_total if coupon_offer.kind != "free_shipping"
                    else order.shipping_fee != 0):
            raise Forbidden("a coupon is redeemed on the shopper's order it priced, once")
        now = self.uow.clock.now()
        if coupon_offer.coupon_id is not None:
            if not self.repo.use(coupon_offer.coupon_id, customer_id, order_id, now):
                raise Conflict(GONE)
            coupon_id = coupon_offer.coupon_id
        else:
            template = self.repo.template(coupon_offer.template_id)
            if template is None or template.public_code is None or not _live(template, now):
                raise Conflict(GONE)
            coupon_id = self._issue_one(template, {
                **_coupon_row(template, now, draw_code(), "public", customer_id=customer_id,
                              limit_key=_public_key(template.id, customer_id)),
                "state": USED, "order_id": order_id, "used_at": now}, taken=GONE)
        self.repo.add_use(coupon_id, customer_id, order_id, taken)

    def give_back(self, order_id: int) -> None:
        """The order ended unpaid or was cancelled: its coupon uses are marked returned, and
        its coupons still unexpired are usable again (expired ones stay used). Called after
        the order moved to ``closed`` or ``cancelled``; for an order in any other state, and
        a second time, it changes nothing. The order's shopper, staff who manage orders, or
        the system."""
        actor = self.uow.actor
        if actor.kind == "shopper" and actor.id is not None:
            actor.require(Permission.ACCOUNT_SELF)
            customer: int | None = actor.id
        else:
            actor.require(Permission.ORDER_MANAGE)
            customer = None
        self.repo.give_back(order_id, ENDED, customer, self.uow.clock.now())

    def on_registered(self, customer_id: int) -> int:
        """The registration gift: one coupon of each active registration template, once per
        account however often it is called (system actor only); how many were granted now."""
        self.uow.actor.require_system()
        now, granted = self.uow.clock.now(), 0
        for template in self.repo.live(now, MAX_LISTED, on_registration=True):
            row = _coupon_row(template, now, draw_code(), "registration",
                              customer_id=customer_id,
                              limit_key=f"registration:{template.id}:{customer_id}")
            try:
                self._issue_one(template, row, taken="")
            except Conflict:
                continue  # granted before, or none left
            granted += 1
        return granted

    # -- steps -------------------------------------------------------------------------------

    def _template(self, template_id: int) -> TemplateRecord:
        template = self.repo.template(template_id)
        if template is None:
            raise NotFound(f"no coupon template {template_id}")
        return template

    def _issuable(self, template_id: int) -> TemplateRecord:
        template = self._template(template_id)
        if not template.is_active:
            raise Conflict(_("This coupon is no longer issued"))
        if template.valid_until is not None and template.valid_until <= self.uow.clock.now():
            raise Conflict(_("This coupon's time has ended"))
        return template

    def _batch(self, template: TemplateRecord, kind: str, count: int,
               request_key: str | None) -> int:
        """The batch row and the count it takes from the template's total, together."""
        with self.repo.savepoint():
            batch_id = self.repo.add_batch(template.id, kind, count, self.uow.actor.name,
                                           request_key)
            if batch_id is None:
                raise Conflict(_("This form was sent already and issued its coupons then; "
                                 "nothing more was issued"))
            if not self.repo.take(template.id, count):
                raise Invalid({"quantity": _("Only ${left} more of this coupon may be issued",
                                             mapping={"left": _left(template)})})
        return batch_id

    def _issue_one(self, template: TemplateRecord, row: dict[str, Any], *, taken: Any) -> int:
        """One coupon under its unique ``limit_key`` and one count off the template's total,
        together: ``Conflict(taken)`` when the key is taken, ``Conflict`` when none is left."""
        with self.repo.savepoint():
            coupon_id = self.repo.add_unless_taken(row)
            if coupon_id is None:
                raise Conflict(taken)
            if not self.repo.take(template.id, 1):
                raise Conflict(_("None of this coupon is left"))
        return coupon_id

    def _shopper(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("coupons belong to a signed-in shopper")
        return actor.id

    def _acting_for(self, customer_id: int) -> None:
        """The checkout acts for its shopper, the system for anyone, and staff entering an
        order for a shopper (``shop.application.ordering.entry``) for that shopper."""
        actor = self.uow.actor
        if actor.kind == "system" or (actor.kind == "staff"
                                      and actor.can(Permission.ORDER_MANAGE)):
            return
        if self._shopper() != customer_id:
            raise Forbidden("a shopper uses only their own coupons")


def _coupon_row(template: TemplateRecord, now: datetime, code: str, source: str,
                **fields: Any) -> dict[str, Any]:
    valid_from, valid_until = _window(template, now)
    return {"template_id": template.id, "code": code, "source": source,
            "valid_from": valid_from, "valid_until": valid_until, **fields}


def _window(template: TemplateRecord, now: datetime) -> tuple[datetime, datetime]:
    """A coupon's validity issued ``now``: the template's window, or its days from now."""
    if template.valid_days is not None:
        return now, now + timedelta(days=template.valid_days)
    assert template.valid_from is not None and template.valid_until is not None
    return template.valid_from, template.valid_until


def _live(template: TemplateRecord, now: datetime) -> bool:
    """Whether a public code's template may be used now."""
    if not template.is_active:
        return False
    if template.valid_days is not None:
        return True
    assert template.valid_from is not None and template.valid_until is not None
    return template.valid_from <= now < template.valid_until


def _left(template: TemplateRecord) -> int | None:
    if template.total_quantity is None:
        return None
    return max(0, template.total_quantity - template.issued_count)


def _public_key(template_id: int, customer_id: int) -> str:
    return f"public:{template_id}:{customer_id}"


def _document(value: Mapping[str, Any]) -> str:
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in value.items()},
                      sort_keys=True, ensure_ascii=False)


def _audited(template: TemplateRecord) -> dict[str, Any]:
    return {name: getattr(template, name) for name in template.__slots__
            if name not in ("id", "issued_count", "created_by", "created_at")}


def _bounded(limit: int) -> int:
    return min(max(int(limit), 1), MAX_PAGE)
