"""The return policy (退换货政策): what a shopper may request for a line, and until when.

Per category, ``no_reason_days`` after delivery allow a return without a reason (七天无理由退货;
0 excludes the category from it: fresh food, underwear, made to order …) and ``return_days``
allow a return or exchange with a reason (quality, damage, the wrong item). A category without
its own rule follows its nearest ancestor's, and one with none above it the shop's defaults
(``shop.rma.no_reason_days``, 7, and ``shop.rma.return_days``, 15). The clock starts when the
order was delivered (or the shopper confirmed receipt), and the shop's clock decides what "now"
is.

A refund of goods that never shipped (仅退款, unshipped) needs no reason and has no deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from translationstring import TranslationString

from shop.application.i18n import _
from shop.application.ordering import states as order_states
from shop.application.rma.states import EXCHANGE, REFUND, RETURN

NO_REASON = "no_reason"
REASONS = {
    NO_REASON: _("No reason (7-day returns)"),
    "quality": _("Quality problem"),
    "damaged": _("Arrived damaged"),
    "wrong_item": _("Wrong or not as described"),
    "not_received": _("Not received"),
    "unshipped": _("No longer wanted (not shipped yet)"),
    "other": _("Other"),
}

UNSHIPPED = frozenset({order_states.PAID, order_states.AWAITING_SHIPMENT})
RECEIVED = frozenset({order_states.DELIVERED, order_states.COMPLETED})


@dataclass(frozen=True)
class Rule:
    no_reason_days: int
    return_days: int


@dataclass(frozen=True)
class Defaults:
    no_reason_days: int = 7
    return_days: int = 15

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Defaults:
        return cls(int(settings.get("shop.rma.no_reason_days", 7)),
                   int(settings.get("shop.rma.return_days", 15)))

    def rule(self) -> Rule:
        return Rule(self.no_reason_days, self.return_days)


def refusal(kind: str, reason: str, order_state: str, delivered_at: datetime | None,
            now: datetime, rule: Rule, product: str) -> TranslationString | None:
    """Why ``kind`` for ``reason`` may not be asked of a line of ``product``, or None."""
    if order_state in UNSHIPPED:
        if kind != REFUND:
            return _("Returns and exchanges are for goods you have received; ask for a refund "
                     "of goods not shipped yet")
        return None
    if reason == "unshipped":
        return _("The order has shipped; choose another reason")
    if order_state == order_states.SHIPPED:
        if kind == REFUND and reason == "not_received":
            return None
        return _("The order has not been delivered yet")
    if order_state not in RECEIVED or delivered_at is None:
        return _("This order cannot be returned")
    if kind in (RETURN, EXCHANGE) and reason == "not_received":
        return _("A return needs goods you received; choose another reason")
    if reason == NO_REASON:
        if kind == REFUND:
            return _("A no-reason return sends the goods back; ask for a return")
        if rule.no_reason_days == 0:
            return _("${product} is excluded from no-reason returns",
                     mapping={"product": product})
        if now > delivered_at + timedelta(days=rule.no_reason_days):
            return _("No-reason returns of ${product} ended ${days} days after delivery",
                     mapping={"product": product, "days": rule.no_reason_days})
        return None
    if now > delivered_at + timedelta(days=rule.return_days):
        return _("Returns and exchanges of ${product} ended ${days} days after delivery",
                 mapping={"product": product, "days": rule.return_days})
    return None


def deadlines(delivered_at: datetime | None, rule: Rule) -> tuple[datetime | None,
                                                                   datetime | None]:
    """(last moment of no-reason returns or None when excluded, last moment of returns)."""
    if delivered_at is None:
        return None, None
    no_reason = (delivered_at + timedelta(days=rule.no_reason_days)
                 if rule.no_reason_days else None)
    return no_reason, delivered_at + timedelta(days=rule.return_days)
