"""The payments' jobs, each item in a transaction of its own (one slow gateway call never holds
another's locks; a crash loses at most the item in hand, which the next run picks up):

- ``send-refunds``: gateway refunds still pending (the gateway was down, or still processing),
  sent again with their own numbers, so the gateway refunds once;
- ``check-pending-payments``: gateway payments with no news for a while are asked about (a
  notification that never came still pays the order), and trades the shop closed are closed
  at their gateway;
- ``expire-points``: points whose lots reached their expiry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shop.application.payments.calls import check_payment, close_at_gateway, send_refund
from shop.data.repositories.ledger import LedgerRepository
from shop.data.repositories.payments import PaymentRepository

if TYPE_CHECKING:
    from shop.application import Shop

BATCH = 200
#: A payment is asked about once it has been pending this long.
QUIET = timedelta(minutes=5)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefundsSent:
    succeeded: int
    pending: int
    failed: int


@dataclass(frozen=True)
class PaymentsChecked:
    checked: int
    captured: int
    closed: int


@dataclass(frozen=True)
class PointsExpired:
    accounts: int
    points: int


def send_refunds(shop: Shop, *, limit: int = BATCH) -> RefundsSent:
    actor = shop.system_actor("send-refunds")
    with shop.transaction(actor, writes=False) as tx:
        pending = tx.payments.pending_refunds(limit)
    counts = {"succeeded": 0, "pending": 0, "failed": 0}
    for refund_id in pending:
        try:
            state = send_refund(shop, refund_id, actor)
        except Exception:  # one refund's failure must not hold up the others
            log.exception("sending refund %s failed", refund_id)
            state = "pending"
        counts[state if state in counts else "pending"] += 1
    return RefundsSent(**counts)


def check_pending_payments(shop: Shop, *, limit: int = BATCH) -> PaymentsChecked:
    actor = shop.system_actor("check-pending-payments")
    with shop.transaction(actor, writes=False) as tx:
        quiet = PaymentRepository(tx._session).pending_before(tx.clock.now() - QUIET, limit)
        closing = tx.payments.closed_unannounced(limit)
    captured = closed = 0
    for payment in quiet:
        try:
            captured += check_payment(shop, payment.number, actor) == "captured"
        except Exception:
            log.exception("checking payment %s failed", payment.number)
    for gateway, number in closing:
        try:
            closed += close_at_gateway(shop, gateway, number, actor)
        except Exception:
            log.exception("closing trade %s failed", number)
    return PaymentsChecked(len(quiet), captured, closed)


def expire_points(shop: Shop, *, limit: int = BATCH) -> PointsExpired:
    actor = shop.system_actor("expire-points")
    accounts = points = 0
    after = 0
    while True:
        with shop.transaction(actor, writes=False) as tx:
            due = LedgerRepository(tx._session).accounts_with_lots_due(tx.clock.now(), after,
                                                                       limit)
        if not due:
            return PointsExpired(accounts, points)
        for account_id in due:
            with shop.transaction(actor) as tx:
                expired = tx.payments.expire_points(account_id)
            accounts += expired > 0
            points += expired
        after = due[-1]
