"""The job that sends queued emails and SMS without holding a database transaction open.

1. Claim: one short transaction leases a batch to this worker (a random token and an expiry)
   and commits. A worker that crashes leaves leases that simply run out.
2. Send each message with no transaction open (SMTP may take seconds; SQLite's write lock and
   PostgreSQL's row locks are not held meanwhile).
3. Record each outcome at once, in its own short transaction: sent, or failed and due again
   after a backoff (dead after the last try).

The one window: a message the server accepted whose "sent" was not yet committed when the
worker died is sent again once its lease runs out. Recording each outcome right after its send
keeps that window to one message and one short transaction; both copies carry the same
Message-ID (``senders.message_id``), so mail systems can recognise them as one message. No new
send starts in the last third of a lease (100 s by default, above the SMTP timeout), so a
lease does not run out while its message is still being sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from shop.application.jobs.lease import Lease
from shop.application.jobs.settings import JobSettings
from shop.application.messaging.senders import OutgoingMessage, Sender, senders_from_settings

if TYPE_CHECKING:
    from shop.application import Shop

log = logging.getLogger(__name__)
BATCH = 100
MAX_BATCH = 1000


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def deliver_messages(shop: Shop, *, limit: int = BATCH,
                     senders: Callable[[], Mapping[str, Sender]] | None = None,
                     ) -> DeliveryReport:
    """Send up to ``limit`` of the oldest due messages; safe to run in several workers at once.

    ``senders`` makes the senders per channel (from the settings by default). ``Invalid``
    names a wrong setting; then nothing was claimed.
    """
    actor = shop.system_actor("outbox")
    with shop.transaction(actor, writes=False) as tx:
        if not tx._outbox.deliveries.any_due():
            return DeliveryReport(0, 0)
    # Settings first: a wrong one fails the job before any message is leased, so it costs no
    # message a try (eight failed runs would otherwise leave the whole outbox dead).
    length = JobSettings.from_settings(shop.settings).lease
    chosen = (senders or (lambda: senders_from_settings(shop.settings)))()
    lease = Lease.starting(shop.clock, length)
    with shop.transaction(actor) as tx:
        claimed = tx._outbox.claim(lease, min(max(limit, 1), MAX_BATCH))
    sent = failed = 0
    untouched: list[OutgoingMessage] = []
    for channel, batch in groupby(sorted(claimed, key=lambda m: m.channel),
                                  key=lambda m: m.channel):
        messages = list(batch)
        sender = chosen.get(channel)
        if sender is None:
            for message in messages:
                _record(shop, message, lease, f"no sender for channel {channel}")
            failed += len(messages)
            continue
        with sender:
            for index, message in enumerate(messages):
                if not lease.may_start(shop.clock):
                    untouched += messages[index:]
                    break
                error = _send(sender, message)
                _record(shop, message, lease, error)
                sent, failed = (sent + 1, failed) if error is None else (sent, failed + 1)
    with shop.transaction(actor) as tx:
        tx._outbox.deliveries.release([m.id for m in untouched], lease)
        if sent or failed:
            tx._audit.record("messaging.outbox.deliver", "outbox_message",
                            after={"sent": sent, "failed": failed})
    return DeliveryReport(sent, failed)


def _send(sender: Sender, message: OutgoingMessage) -> str | None:
    """Send; the error text when it failed."""
    try:
        sender.send(message)
    except Exception as exc:  # any sender failure: keep it queued, note why
        log.warning("outbox message #%s to %s failed: %s", message.id, message.channel, exc)
        return f"{type(exc).__name__}: {exc}"
    return None


def _record(shop: Shop, message: OutgoingMessage, lease: Lease, error: str | None) -> None:
    with shop.transaction(shop.system_actor("outbox")) as tx:
        if error is None:
            tx._outbox.deliveries.complete(message.id, lease)
        else:
            tx._outbox.deliveries.fail(message.id, lease, error)
