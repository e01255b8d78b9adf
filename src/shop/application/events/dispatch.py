"""The job that hands recorded events to their handlers: claim, commit, then one unit of work
per delivery in which the delivery turns ``done`` and the handler's effects are written.

Because the delivery row flips to ``done`` by a conditional UPDATE in the handler's own
transaction, a handler's effects commit at most once per (event, handler), however many
workers race or however often a crashed one's batch is claimed again. A handler that raises
leaves nothing behind; its delivery is tried again with backoff and goes dead after the last
try, for staff to see at /admin/dead-letters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shop.application.actors import Actor
from shop.application.events.service import ClaimedDelivery
from shop.application.jobs.lease import Lease
from shop.application.jobs.settings import JobSettings

if TYPE_CHECKING:
    from shop.application import Shop

log = logging.getLogger(__name__)
BATCH = 100


@dataclass(frozen=True)
class DispatchReport:
    handled: int
    failed: int
    #: Deliveries another worker finished first.
    skipped: int


def dispatch_events(shop: Shop, *, limit: int = BATCH) -> DispatchReport:
    """Run up to ``limit`` due deliveries; safe to run in several workers at once."""
    actor = shop.system_actor("events")
    with shop.transaction(actor, writes=False) as tx:
        if not tx._events.deliveries.any_due():
            return DispatchReport(0, 0, 0)
    lease = Lease.starting(shop.clock, JobSettings.from_settings(shop.settings).lease)
    with shop.transaction(actor) as tx:
        claimed = tx._events.claim(lease, limit)
    outcomes = {"handled": 0, "failed": 0, "skipped": 0}
    for index, delivery in enumerate(claimed):
        if not lease.may_start(shop.clock):
            with shop.transaction(actor) as tx:
                tx._events.deliveries.release([d.id for d in claimed[index:]], lease)
            break
        outcomes[_handle(shop, actor, delivery, lease)] += 1
    if outcomes["handled"] or outcomes["failed"]:
        with shop.transaction(actor) as tx:
            tx._audit.record("events.dispatch", "event_delivery", after=outcomes)
    return DispatchReport(**outcomes)


def _handle(shop: Shop, actor: Actor, delivery: ClaimedDelivery, lease: Lease) -> str:
    handler = shop.event_handlers.get(delivery.handler)
    try:
        if handler is None:
            raise LookupError(f"this version of the shop has no handler {delivery.handler!r}")
        event = handler.event.from_payload(delivery.payload)
        with shop.transaction(actor) as tx:
            if not tx._events.deliveries.complete(delivery.id, lease):
                return "skipped"
            handler.run(tx, event)
    except Exception as exc:  # any handler failure: nothing it wrote stays; try again later
        log.warning("event %s #%s: handler %s failed", delivery.event_name, delivery.event_id,
                    delivery.handler, exc_info=True)
        with shop.transaction(actor) as tx:
            tx._events.deliveries.fail(delivery.id, lease, f"{type(exc).__name__}: {exc}")
        return "failed"
    return "handled"
