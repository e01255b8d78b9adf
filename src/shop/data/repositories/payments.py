"""Payments, refunds, gateway events and finance's alerts (see ``shop.data.models.payments``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shop.data import CLOCK
from shop.data.models import GatewayEvent, Payment, PaymentAlert, PaymentRefund
from shop.data.repositories.money import to_fen
from shop.data.repositories.rows import insert_unless_taken


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    id: int
    number: str
    order_id: int
    method: str
    state: str
    amount: Decimal
    points: int
    account_id: int | None
    refunded: Decimal
    trade_no: str
    device: str
    installments: int
    request_key: str | None
    created_at: datetime
    captured_at: datetime | None


@dataclass(frozen=True, slots=True)
class RefundRecord:
    id: int
    number: str
    payment_id: int
    amount: Decimal
    points: int
    state: str
    reason: str
    actor: str
    gateway_refund_id: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    gateway: str
    kind: str
    out_trade_no: str
    detail: str
    created_at: datetime
    resolved_at: datetime | None


_PAYMENT = [getattr(Payment, name) for name in PaymentRecord.__slots__]
_REFUND = [getattr(PaymentRefund, name) for name in RefundRecord.__slots__]
_ALERT = [getattr(PaymentAlert, name) for name in AlertRecord.__slots__]


class PaymentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- payments ------------------------------------------------------------------------------

    def add(self, **values: Any) -> PaymentRecord:
        row = Payment(**values)
        self.session.add(row)
        self.session.flush()
        found = self.by_id(row.id)
        assert found is not None
        return found

    def by_id(self, payment_id: int) -> PaymentRecord | None:
        row = self.session.execute(select(*_PAYMENT).where(Payment.id == payment_id)).first()
        return PaymentRecord(*row) if row else None

    def by_number(self, number: str, *, lock: bool = False) -> PaymentRecord | None:
        statement = select(*_PAYMENT).where(Payment.number == number)
        if lock:
            statement = statement.with_for_update(of=Payment)
        row = self.session.execute(statement).first()
        return PaymentRecord(*row) if row else None

    def for_order(self, order_id: int) -> list[PaymentRecord]:
        return [PaymentRecord(*row) for row in self.session.execute(
            select(*_PAYMENT).where(Payment.order_id == order_id).order_by(Payment.id))]

    def for_orders(self, order_ids: Sequence[int]) -> dict[int, list[PaymentRecord]]:
        found: dict[int, list[PaymentRecord]] = {key: [] for key in order_ids}
        if order_ids:
            for row in self.session.execute(select(*_PAYMENT).where(
                    Payment.order_id.in_(list(order_ids))).order_by(Payment.id)):
                found[row.order_id].append(PaymentRecord(*row))
        return found

    def move(self, payment_id: int, from_states: Sequence[str], to_state: str,
             **changes: Any) -> bool:
        """Move a payment out of one of ``from_states``; False when it had left them."""
        result = self.session.execute(
            update(Payment).where(Payment.id == payment_id, Payment.state.in_(from_states))
            .values(state=to_state, updated_at=self._now(), **changes)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def claim_refund(self, payment_id: int, amount: Decimal) -> bool:
        """Set ``amount`` of a captured payment aside for a refund, never past what it
        captured: of two refunds asking at once for more than is left, one gets it."""
        result = self.session.execute(
            update(Payment)
            .where(Payment.id == payment_id, Payment.state == "captured",
                   to_fen(Payment.refunded + amount - Payment.amount) <= 0)
            .values(refunded=to_fen(Payment.refunded + amount), updated_at=self._now())
            .execution_options(synchronize_session=False))
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def unclaim_refund(self, payment_id: int, amount: Decimal) -> None:
        """A refund the gateway refused gives its claim back."""
        self.session.execute(
            update(Payment).where(Payment.id == payment_id)
            .values(refunded=to_fen(Payment.refunded - amount), updated_at=self._now())
            .execution_options(synchronize_session=False))

    def closed_unannounced(self, limit: int) -> list[PaymentRecord]:
        """Gateway trades the shop closed that their gateway has not been told about yet."""
        return [PaymentRecord(*row) for row in self.session.execute(
            select(*_PAYMENT).where(Payment.state == "closed",
                                    Payment.closed_at_gateway.is_(False),
                                    Payment.method.in_(("alipay", "wechat", "unionpay")))
            .order_by(Payment.id).limit(limit))]

    def announce_closed(self, payment_id: int) -> None:
        self.session.execute(update(Payment).where(Payment.id == payment_id)
                             .values(closed_at_gateway=True)
                             .execution_options(synchronize_session=False))

    def pending_before(self, before: datetime, limit: int) -> list[PaymentRecord]:
        """Gateway payments still waiting for news (the query job asks the gateway)."""
        return [PaymentRecord(*row) for row in self.session.execute(
            select(*_PAYMENT).where(Payment.state == "pending", Payment.updated_at < before)
            .order_by(Payment.updated_at).limit(limit))]

    def captured_between(self, method: str, start: datetime,
                         end: datetime) -> list[PaymentRecord]:
        return [PaymentRecord(*row) for row in self.session.execute(
            select(*_PAYMENT).where(Payment.method == method, Payment.captured_at >= start,
                                    Payment.captured_at < end).order_by(Payment.id))]

    # -- refunds -------------------------------------------------------------------------------

    def add_refund(self, **values: Any) -> RefundRecord:
        row = PaymentRefund(**values)
        self.session.add(row)
        self.session.flush()
        found = self.refund(row.id)
        assert found is not None
        return found

    def refund(self, refund_id: int, *, lock: bool = False) -> RefundRecord | None:
        statement = select(*_REFUND).where(PaymentRefund.id == refund_id)
        if lock:
            statement = statement.with_for_update(of=PaymentRefund)
        row = self.session.execute(statement).first()
        return RefundRecord(*row) if row else None

    def refund_by_number(self, number: str) -> RefundRecord | None:
        row = self.session.execute(select(*_REFUND).where(PaymentRefund.number == number)).first()
        return RefundRecord(*row) if row else None

    def refunds_for(self, payment_ids: Sequence[int]) -> list[RefundRecord]:
        if not payment_ids:
            return []
        return [RefundRecord(*row) for row in self.session.execute(
            select(*_REFUND).where(PaymentRefund.payment_id.in_(list(payment_ids)))
            .order_by(PaymentRefund.id))]

    def settle_refund(self, refund_id: int, state: str, **changes: Any) -> bool:
        result = self.session.execute(
            update(PaymentRefund).where(PaymentRefund.id == refund_id,
                                        PaymentRefund.state == "pending")
            .values(state=state, updated_at=self._now(), **changes)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def note_refund_attempt(self, refund_id: int, error: str) -> None:
        self.session.execute(
            update(PaymentRefund).where(PaymentRefund.id == refund_id)
            .values(attempts=PaymentRefund.attempts + 1, last_error=error[:300],
                    updated_at=self._now())
            .execution_options(synchronize_session=False))

    def pending_refunds(self, limit: int) -> list[int]:
        return list(self.session.scalars(
            select(PaymentRefund.id).where(PaymentRefund.state == "pending")
            .order_by(PaymentRefund.id).limit(limit)))

    def refunds_between(self, method: str, start: datetime,
                        end: datetime) -> list[tuple[RefundRecord, str]]:
        """Refunds that succeeded in [start, end), with their payment's number."""
        return [(RefundRecord(*row[:-1]), row[-1]) for row in self.session.execute(
            select(*_REFUND, Payment.number).join(Payment, Payment.id == PaymentRefund.payment_id)
            .where(Payment.method == method, PaymentRefund.state == "succeeded",
                   PaymentRefund.updated_at >= start, PaymentRefund.updated_at < end)
            .order_by(PaymentRefund.id))]

    # -- gateway events and alerts -------------------------------------------------------------

    def record_event(self, **values: Any) -> int | None:
        """The new event's id, or None when (gateway, event_id) was recorded before."""
        return insert_unless_taken(self.session, GatewayEvent, values, ("gateway", "event_id"))

    def event_outcome(self, gateway: str, event_id: str) -> str | None:
        return self.session.scalar(select(GatewayEvent.outcome).where(
            GatewayEvent.gateway == gateway, GatewayEvent.event_id == event_id))

    def set_event_outcome(self, key: int, outcome: str) -> None:
        self.session.execute(update(GatewayEvent).where(GatewayEvent.id == key)
                             .values(outcome=outcome)
                             .execution_options(synchronize_session=False))

    def add_alert(self, **values: Any) -> None:
        self.session.add(PaymentAlert(**values))
        self.session.flush()

    def alerts(self, *, open_only: bool, before: int | None, limit: int) -> list[AlertRecord]:
        statement = select(*_ALERT)
        if open_only:
            statement = statement.where(PaymentAlert.resolved_at.is_(None))
        if before is not None:
            statement = statement.where(PaymentAlert.id < before)
        return [AlertRecord(*row) for row in self.session.execute(
            statement.order_by(PaymentAlert.id.desc()).limit(limit))]

    def resolve_alert(self, alert_id: int, who: str) -> bool:
        result = self.session.execute(
            update(PaymentAlert).where(PaymentAlert.id == alert_id,
                                       PaymentAlert.resolved_at.is_(None))
            .values(resolved_at=self._now(), resolved_by=who)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def count_alerts(self, kind: str) -> int:
        return int(self.session.scalar(select(func.count()).select_from(PaymentAlert)
                                       .where(PaymentAlert.kind == kind)) or 0)

    def _now(self) -> datetime:
        return self.session.info[CLOCK]()  # type: ignore[no-any-return]
