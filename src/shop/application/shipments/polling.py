"""The job that asks carriers where the parcels in transit are, with no transaction open
while it waits for them.

1. Claim: one short transaction leases a batch of due in-transit shipments to this poller
   (a random token and an expiry, by a conditional update) and commits. A poller that crashes
   leaves leases that simply run out; the shipments are due again after that.
2. Ask the carrier about each, with no transaction open (a carrier may take seconds).
3. Record each answer at once in its own short transaction, only while the lease still
   stands: the new events (ones already stored are skipped by their fingerprint), the next
   poll in 30 minutes, and delivered — once, by a conditional update that records
   ``shipment.delivered``. A carrier error is noted and the shipment is asked again after a
   growing backoff; it never stops the job.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shop.application.jobs.lease import Lease
from shop.application.jobs.settings import JobSettings
from shop.application.shipments.carriers import CarrierTracker
from shop.data.repositories.shipments import ClaimedShipment

if TYPE_CHECKING:
    from shop.application import Shop

log = logging.getLogger(__name__)
BATCH = 50
MAX_BATCH = 500
_MAINLAND = re.compile(r"^\+86(?P<local>1[0-9]{10})$")


@dataclass(frozen=True)
class TrackingReport:
    polled: int
    events: int
    delivered: int
    failed: int


def track_shipments(shop: Shop, *, limit: int = BATCH,
                    tracker: CarrierTracker | None = None) -> TrackingReport:
    """Poll up to ``limit`` due shipments; safe to run in several workers at once.

    ``tracker`` is the carrier port (the one ``shop.tracking.adapter`` chooses by default);
    with tracking off nothing is claimed.
    """
    chosen = tracker or shop.tracking.tracker(shop)
    idle = TrackingReport(0, 0, 0, 0)
    if chosen is None:
        return idle
    actor = shop.system_actor("tracking")
    with shop.transaction(actor, writes=False) as tx:
        if not tx.shipments.any_due():
            return idle
    lease = Lease.starting(shop.clock, JobSettings.from_settings(shop.settings).lease)
    with shop.transaction(actor) as tx:
        claimed = tx.shipments.claim_due(lease, min(max(limit, 1), MAX_BATCH))
    polled = events = delivered = failed = 0
    for index, shipment in enumerate(claimed):
        if not lease.may_start(shop.clock):
            with shop.transaction(actor) as tx:
                tx.shipments.release(claimed[index:], lease)
            break
        try:
            result = chosen.track(shipment.carrier, shipment.tracking_number,
                                  phone=_phone(shipment))
        except Exception as exc:  # any carrier failure: the shipment waits for its next poll
            log.warning("tracking %s %s failed: %s", shipment.carrier,
                        shipment.tracking_number, exc)
            with shop.transaction(actor) as tx:
                tx.shipments.record_failure(shipment, lease, f"{type(exc).__name__}: {exc}")
            failed += 1
            continue
        with shop.transaction(actor) as tx:
            recorded = tx.shipments.record_poll(shipment, lease, result)
        if recorded is not None:
            polled += 1
            events += recorded.new_events
            delivered += recorded.delivered
    return TrackingReport(polled, events, delivered, failed)


def _phone(shipment: ClaimedShipment) -> str | None:
    """The recipient's number as carriers write it (no +86); None for a number abroad."""
    match = _MAINLAND.match(shipment.mobile)
    return match.group("local") if match else None
