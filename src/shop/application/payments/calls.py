"""The payments' calls to the gateways, made with no database transaction open: read what to
send, call, then record the answer in a transaction of its own (the design's "claim, commit,
call, record"). A slow or unreachable gateway therefore never holds a row lock, or SQLite's
writer lock, while it keeps the shop waiting; each call carries the number that makes it
idempotent at the gateway, so two workers sending the same refund refund once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.application.errors import Conflict
from shop.application.i18n import _
from shop.application.payments.gateways.port import (
    GatewayError,
    GatewayRefused,
    NextStep,
    RefundOutcome,
)

if TYPE_CHECKING:
    from shop.application import Shop
    from shop.application.actors import Actor


def start_payment(shop: Shop, payment_number: str, actor: Actor) -> tuple[str, NextStep]:
    """(gateway, what the shopper's browser does next) for one of ``actor``'s pending
    payments (``PayResult.payment_number``). ``GatewayUnavailable`` when the gateway cannot
    be reached: nothing changed, and the next try starts the same trade; ``Conflict`` when
    the gateway refuses."""
    with shop.transaction(actor, writes=False) as tx:
        name, request = tx.payments.start_request(payment_number)
    try:
        return name, shop.gateways[name].start(request)
    except GatewayRefused as exc:
        raise Conflict(_("The payment service refused: ${why}",
                         mapping={"why": exc.message or exc.code})) from None


def send_refund(shop: Shop, refund_id: int, actor: Actor) -> str:
    """Send a pending gateway refund under its own number; its state afterwards."""
    with shop.transaction(actor, writes=False) as tx:
        call = tx.payments.refund_call(refund_id)
    if call is None:
        return "done"
    gateway = shop.gateways.get(call.gateway)
    answer: RefundOutcome | GatewayError
    if gateway is None:
        answer = GatewayError(f"gateway {call.gateway} is not configured")
    else:
        try:
            answer = gateway.refund(call.request)
        except GatewayError as exc:
            answer = exc
    with shop.transaction(actor) as tx:
        return tx.payments.record_refund(refund_id, answer)


def check_payment(shop: Shop, payment_number: str, actor: Actor) -> str:
    """Ask the gateway about a pending payment and settle what it says (the shopper's return,
    and the job for payments with no news); the payment's state afterwards."""
    with shop.transaction(actor, writes=False) as tx:
        name = tx.payments.pending_gateway(payment_number)
    gateway = shop.gateways.get(name) if name else None
    if gateway is None:
        return "unchanged"
    try:
        trade = gateway.query(payment_number)
    except GatewayError:
        return "pending"
    with shop.transaction(actor) as tx:
        return tx.payments.settle_reported(payment_number, trade)


def close_at_gateway(shop: Shop, gateway_name: str, payment_number: str, actor: Actor) -> bool:
    """Tell the gateway to close a trade the shop closed, so a stale page cannot pay it; a
    trade it says is paid is asked about and settled (a late payment). True once told."""
    gateway = shop.gateways.get(gateway_name)
    if gateway is None:
        return False
    try:
        gateway.close(payment_number)
    except GatewayRefused:  # paid meanwhile: settle it by what the gateway reports
        try:
            trade = gateway.query(payment_number)
        except GatewayError:
            return False
        with shop.transaction(actor) as tx:
            tx.payments.settle_reported(payment_number, trade)
    except GatewayError:
        return False
    with shop.transaction(actor) as tx:
        tx.payments.announced_closed(payment_number)
    return True
