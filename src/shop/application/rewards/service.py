"""Granting points for account events, and showing a shopper their points.

Grants are hooks that run when something happened (an account was registered, an order was
paid): event handlers (``handlers.py``) call them after the event's transaction committed, as
the system actor; nobody else may. Each grant carries a reference naming the event, unique in
the ledger, so a hook called twice — a retried delivery, two workers racing — grants once.
The points live in the ledger's points accounts (``shop.application.payments.points``), where
orders spend them and they expire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.payments.books import Books
from shop.application.payments.points import Points
from shop.application.payments.rules import PaymentRules
from shop.data.repositories.accounts import CustomerRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

REGISTRATION_POINTS_SETTING = "shop.rewards.registration_points"
REFERRAL_POINTS_SETTING = "shop.rewards.referral_points"
DEFAULT_REGISTRATION_POINTS = 100
DEFAULT_REFERRAL_POINTS = 200
RECENT_ENTRIES = 20

REGISTRATION_GIFT = "registration_gift"
REFERRAL = "referral"
#: How each reason reads in the shopper's journal.
REASON_LABELS = {REGISTRATION_GIFT: _("Registration gift"),
                 REFERRAL: _("A friend you referred placed their first order"),
                 "points_earn": _("Earned by an order"),
                 "points_spend": _("Spent on an order"),
                 "points_refund": _("Given back by a cancelled or refunded order"),
                 "points_unearn": _("Taken back: the order that earned them was cancelled"),
                 "points_expire": _("Expired")}


@dataclass(frozen=True)
class Grant:
    """The outcome of a hook: how many points went to whom, or why none did."""

    customer_id: int | None
    points: int
    granted: bool  # False when the event was already rewarded, or earns nothing


@dataclass(frozen=True)
class PointsLine:
    delta: int
    reason: str
    label: Any  # a translation string
    created_at: datetime  # in the shop's time zone


@dataclass(frozen=True)
class RewardsSummary:
    balance: int
    referral_code: str
    recent: list[PointsLine]


class RewardsService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.books = Books(uow)
        self.points = Points(uow, self.books, PaymentRules.from_settings(uow.shop.settings))
        self.customers = CustomerRepository(uow._session)

    def on_registered(self, customer_id: int) -> Grant:
        """The registration gift, once per account (system actor only).

        The ``customer.registered`` handler calls it, whichever way the account was made. The
        registration coupons are granted here too, each once per account (its own unique key),
        whatever the points setting.
        """
        self.uow.actor.require_system()
        if self.customers.get(customer_id) is None:
            raise NotFound(f"no customer {customer_id}")
        self.uow.coupons.on_registered(customer_id)
        points = self._setting(REGISTRATION_POINTS_SETTING, DEFAULT_REGISTRATION_POINTS)
        return self._grant(customer_id, points, REGISTRATION_GIFT,
                           f"registration-gift:{customer_id}")

    def on_first_order_paid(self, customer_id: int) -> Grant:
        """The referral reward for whoever referred ``customer_id``, once per referred account.

        Ordering's ``order.paid`` handler calls it (system actor only) when an account's first
        order is paid; an account nobody referred earns nothing.
        """
        self.uow.actor.require_system()
        customer = self.customers.get(customer_id)
        if customer is None:
            raise NotFound(f"no customer {customer_id}")
        if customer.referred_by_id is None:
            return Grant(None, 0, False)
        points = self._setting(REFERRAL_POINTS_SETTING, DEFAULT_REFERRAL_POINTS)
        return self._grant(customer.referred_by_id, points, REFERRAL, f"referral:{customer_id}")

    def balance(self, customer_id: int) -> int:
        """An account's points: the sum of its journal. Its owner, staff or a script may ask."""
        actor = self.uow.actor
        if actor.id != customer_id or actor.kind != "shopper":
            actor.require(Permission.CUSTOMER_VIEW)
        return self.points.live(customer_id)

    def my_rewards(self) -> RewardsSummary:
        """The signed-in shopper's balance, referral code and latest journal entries."""
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        customer = self.customers.get(actor.id) if actor.kind == "shopper" and actor.id else None
        if customer is None:
            raise Forbidden("rewards belong to a signed-in shopper")
        zone = self.uow.settings.current().zone  # times are shown in the shop's time zone
        account = self.books.existing(customer.id, "points")
        entries = self.books.ledger.entries(account.id, limit=RECENT_ENTRIES) if account else []
        recent = [PointsLine(int(e.amount) if e.direction == "credit" else -int(e.amount),
                             e.kind, REASON_LABELS.get(e.kind, e.kind),
                             e.created_at.astimezone(zone)) for e in entries]
        balance = self.points.live(customer.id)
        return RewardsSummary(balance, customer.referral_code, recent)

    def _grant(self, customer_id: int, points: int, reason: str, reference: str) -> Grant:
        if points <= 0 or not self.points.grant(customer_id, points, reason, reference):
            return Grant(customer_id, 0, False)  # granted before, or by a racing transaction
        self.uow._audit.record("rewards.points.grant", "customer", customer_id,
                              after={"points": points, "reason": reason, "reference": reference})
        return Grant(customer_id, points, True)

    def _setting(self, key: str, default: int) -> int:
        raw = self.uow.shop.settings.get(key, default)
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise Invalid({key: _("must be a whole number of points")}) from None
