"""Order review (订单审核): ``uow.order_review``.

Review is a status beside the order's state, not a state of its own: the state machine (and
the shopper's order center) stays as it is, and only shipping looks at the review.

- Off by default. Staff with ``system:settings:manage`` turn it on and set the rules
  (``ReviewRulesSchema``): approve automatically below an amount, only with a complete address,
  only without a risk flag, never for a blacklisted mobile number. Changes are audited.
- When it is on, an order that becomes ready to ship — an online order when it is paid, a
  cash-on-delivery order when it is placed — is marked ``pending`` in that same transaction
  (``_mark_pending``), so no one can ship it before it is reviewed.
- After commit, the ``ordering.review`` handler (on ``order.paid`` and ``order.placed``) runs
  the rules: an order that passes all of them is ``approved``; the others stay in the manual
  queue (the order list's review filter "waiting for a person").
- Staff with ``order:order:manage`` approve, hold (still waiting, set aside) or reject with a
  note. A rejected order is cancelled through the same path a shopper's cancel takes
  (``OrderService.call_off``), so its stock, coupon, campaign uses and payments come back and
  what was paid is refunded. Every decision is audited and written as a staff note.
- Shipping (``uow.orders.ship``) is refused while the review is pending, held or rejected.

An order never subject to review (paid while review was off) has no review status and ships
as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Conflict, Invalid, NotFound
from shop.application.i18n import _
from shop.application.mobile import mainland_mobile
from shop.application.ordering import states
from shop.application.ordering.desk_schemas import (
    APPROVED,
    DECISIONS,
    HELD,
    PENDING,
    REJECTED,
    REVIEW_LABELS,
    RISK,
    ReviewRulesSchema,
    ReviewSchema,
)
from shop.application.validation import validate
from shop.data.repositories.order_desk import OrderDeskRepository
from shop.data.repositories.ordering import OrderRecord, OrderRepository
from shop.data.repositories.settings import SettingsRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Where the rules are kept among the shop's settings rows, and their reference-cache name.
SETTING_KEY = "order_review"


@dataclass(frozen=True)
class ReviewRules:
    enabled: bool = False
    max_payable: Decimal | None = None
    require_address: bool = False
    no_risk_flag: bool = False
    #: E.164 mobile numbers.
    blacklist: tuple[str, ...] = ()


class OrderReview:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._orders = OrderRepository(uow._session)
        self._repo = OrderDeskRepository(uow._session)

    # -- the rules ---------------------------------------------------------------------------

    def rules(self) -> ReviewRules:
        """The rules in force, for staff who set them (the blacklist holds phone numbers)."""
        self.uow.actor.require(Permission.SETTINGS_MANAGE)
        return self._rules()

    def enabled(self) -> bool:
        """Whether orders are reviewed before they ship (checkout asks, for any actor)."""
        return self._rules().enabled

    def _rules(self) -> ReviewRules:
        """Shared by the process until they change."""
        return self.uow._reference.get(SETTING_KEY, self._load)

    def _load(self) -> ReviewRules:
        values = SettingsRepository(self.uow._session).values().get(SETTING_KEY)
        if values is None:
            return ReviewRules()
        try:
            return ReviewRules(
                enabled=bool(values["enabled"]),
                max_payable=(Decimal(values["max_payable"])
                             if values["max_payable"] is not None else None),
                require_address=bool(values["require_address"]),
                no_risk_flag=bool(values["no_risk_flag"]),
                blacklist=tuple(values["blacklist"]))
        except (ValueError, KeyError, TypeError, ArithmeticError):
            # A row this code cannot read reviews every order by a person rather than none.
            return ReviewRules(enabled=True, max_payable=Decimal("0.00"))

    def update_rules(self, data: Mapping[str, Any]) -> ReviewRules:
        """Set the rules; ``blacklist`` is mobile numbers separated by commas or lines.
        ``system:settings:manage``; audited."""
        self.uow.actor.require(Permission.SETTINGS_MANAGE)
        values = validate(ReviewRulesSchema(), data)
        blacklist = []
        entries = (e.strip() for e in re.split(r"[\n,;，；]+", values["blacklist"]))
        for entry in (e for e in entries if e):
            mobile = mainland_mobile(entry)
            if mobile is None:
                raise Invalid({"blacklist": _("${entry} is not a mainland mobile number",
                                              mapping={"entry": entry[:20]})})
            if mobile not in blacklist:
                blacklist.append(mobile)
        rules = ReviewRules(values["enabled"], values["max_payable"],
                            values["require_address"], values["no_risk_flag"], tuple(blacklist))
        before = _plain(self._rules())
        after = _plain(rules)
        if before != after:
            SettingsRepository(self.uow._session).put(SETTING_KEY, after, self.uow.actor.name)
            self.uow._reference.changed(SETTING_KEY)
            self.uow._audit.record("order.review.rules", "order_review_rules", None,
                                   before=before, after=after)
        return rules

    # -- the shop's own steps ----------------------------------------------------------------

    def _mark_pending(self, order_id: int) -> None:
        """The order is ready to ship now (``OrderLifecycle``, in the transaction that paid
        it): when review is on, it waits for its review. A rejected order that a late payment
        brought back waits for a person again, review on or off: it never ships unapproved."""
        froms = (None, REJECTED) if self.enabled() else (REJECTED,)
        self._repo.set_review(order_id, froms, PENDING, self.uow.clock.now())

    def auto_review(self, order_id: int) -> bool:
        """Run the rules on a pending order (the ``ordering.review`` handler, after commit):
        True when they approved it. System only; nothing for an order not pending."""
        self.uow.actor.require_system()
        order = self._orders.find_by_id(order_id)
        if order is None or order.review != PENDING:
            return False
        if self._reasons(order):
            return False
        if self._repo.set_review(order.id, (PENDING,), APPROVED, self.uow.clock.now()):
            self.uow._audit.record("order.review.auto", "order", order.number,
                                   before={"review": PENDING}, after={"review": APPROVED})
            return True
        return False

    def _reasons(self, order: OrderRecord) -> tuple[Any, ...]:
        """Why the rules in force do not approve ``order`` (empty: they do)."""
        rules = self._rules()
        found: list[Any] = []
        if rules.max_payable is not None and order.payable >= rules.max_payable:
            found.append(_("The payable is ¥${amount} or more", mapping={
                "amount": rules.max_payable}))
        if rules.require_address and not all((order.recipient, order.mobile,
                                              order.province_code, order.city_code,
                                              order.district_code, order.street.strip())):
            found.append(_("The address is incomplete"))
        if rules.no_risk_flag and any(f.kind == RISK
                                      for f in self._repo.flags([order.id])[order.id]):
            found.append(_("The order has a risk flag"))
        if order.mobile in rules.blacklist:
            found.append(_("The mobile number is blacklisted"))
        return tuple(found)

    # -- people's decisions ------------------------------------------------------------------

    def decide(self, number: str, data: Mapping[str, Any]) -> None:
        """``decision``: approve, hold or reject (with a ``note`` saying why); a rejected order
        is cancelled and refunded. ``order:order:manage``; audited, and kept as a staff note."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        values = validate(ReviewSchema(), data)
        decision = DECISIONS[values["decision"]]
        if decision == REJECTED and not values["note"]:
            raise Invalid({"note": _("Say why the order is rejected")})
        order = self._orders.find(number) if isinstance(number, str) else None
        if order is None:
            raise NotFound("no such order")
        if order.review not in (PENDING, HELD) or order.state not in (states.PAID,
                                                                     states.AWAITING_SHIPMENT):
            raise Conflict(_("This order is not waiting for review"))
        with self._orders.savepoint():
            if not self._repo.set_review(order.id, (PENDING, HELD), decision,
                                         self.uow.clock.now()):
                raise Conflict(_("This order changed meanwhile; reload it and try again"))
            if decision == REJECTED:
                self.uow.orders.call_off(order.number, values["note"])
        # The note is stored text, read in any language: the decision in the msgid's words.
        label = REVIEW_LABELS[decision].interpolate()
        self._repo.add_note(order.id, self.uow.actor.name,
                            f"{label}: {values['note']}" if values["note"] else label)
        self.uow._audit.record(f"order.review.{values['decision']}", "order", order.number,
                               before={"review": order.review},
                               after={"review": decision, "note": values["note"]})


def _plain(rules: ReviewRules) -> dict[str, Any]:
    values = asdict(rules)
    values["max_payable"] = (f"{rules.max_payable:.2f}" if rules.max_payable is not None
                             else None)
    values["blacklist"] = list(rules.blacklist)
    return values
