"""The shop's jobs: one list, run by every engine (the in-process runner, ``shop-admin jobs
run``, Celery beat and workers), each a plain function of the ``Shop``.

Every job is safe to run twice at once and again after a crash: deliveries are leased and
finish by conditional updates, purges delete only what is already gone from use, shipments
are polled under a lease and their events stored once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shop.application.catalog.scheduling import publish_scheduled_products
from shop.application.events.dispatch import dispatch_events
from shop.application.jobs.purge import purge_expired
from shop.application.messaging.delivery import deliver_messages
from shop.application.ordering.closing import close_unpaid_orders
from shop.application.payments.jobs import check_pending_payments, expire_points, send_refunds
from shop.application.shipments.polling import track_shipments

if TYPE_CHECKING:
    from shop.application import Shop


@dataclass(frozen=True)
class Job:
    name: str
    #: How often the schedulers start it.
    every: timedelta
    summary: str
    work: Callable[[Shop], Any]

    def run(self, shop: Shop) -> dict[str, Any]:
        """Run once; what it did, as plain counts (for logs and the console)."""
        return dict(asdict(self.work(shop)))


JOBS: tuple[Job, ...] = (
    Job("deliver-messages", timedelta(seconds=5), "send the queued emails and SMS",
        deliver_messages),
    Job("dispatch-events", timedelta(seconds=5), "run the event handlers of recorded events",
        dispatch_events),
    Job("close-unpaid-orders", timedelta(minutes=1),
        "close online orders not paid in time and release their stock", close_unpaid_orders),
    Job("purge-expired", timedelta(hours=1),
        "delete expired sessions, codes, OAuth attempts, old deliveries and login attempts",
        purge_expired),
    Job("track-shipments", timedelta(minutes=10),
        "ask the carriers where the parcels in transit are", track_shipments),
    Job("send-refunds", timedelta(minutes=1),
        "send the gateway refunds still pending, each under its own number", send_refunds),
    Job("check-pending-payments", timedelta(minutes=2),
        "ask the gateways about payments with no news for five minutes",
        check_pending_payments),
    Job("expire-points", timedelta(hours=6), "expire points whose lots reached their expiry",
        expire_points),
    Job("publish-scheduled-products", timedelta(minutes=1),
        "publish the hidden products whose publishing moment came",
        publish_scheduled_products),
)


def find_job(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise LookupError(f"no job named {name!r}; the jobs are {', '.join(j.name for j in JOBS)}")
