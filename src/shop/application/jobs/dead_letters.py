"""The dead-letter queue (死信): deliveries that failed their last try, for staff to read and to
send round again (``uow.dead_letters``; /admin/dead-letters).

A message's body is never shown: it may hold a one-time code, and a code read off this page
would let whoever reads it register or reset a password in the shopper's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import NotFound
from shop.application.validation import entity_key
from shop.data.repositories.events import EventRepository
from shop.data.repositories.messaging import OutboxRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

SHOWN = 100


@dataclass(frozen=True)
class DeadEvent:
    id: int  # the delivery's
    event_name: str
    handler: str
    payload: dict[str, Any]
    occurred_at: datetime
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class DeadMessage:
    id: int
    channel: str
    recipient: str
    subject: str
    created_at: datetime
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class DeadLetterOverview:
    events: list[DeadEvent]
    event_total: int
    messages: list[DeadMessage]
    message_total: int


class DeadLetterService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.events = EventRepository(uow._session)
        self.messages = OutboxRepository(uow._session)

    def overview(self) -> DeadLetterOverview:
        """The newest dead deliveries and messages (at most 100 of each) and how many there are."""
        self.uow.actor.require(Permission.SYSTEM_JOBS)
        deliveries = self.events.dead(SHOWN)
        events = self.events.events(d.event_id for d in deliveries)
        return DeadLetterOverview(
            [DeadEvent(d.id, events[d.event_id].name, d.handler, dict(events[d.event_id].payload),
                       events[d.event_id].occurred_at, d.attempts, d.last_error)
             for d in deliveries],
            self.events.count_dead(),
            [DeadMessage(m.id, m.channel, m.recipient, m.subject, m.created_at, m.attempts,
                         m.last_error) for m in self.messages.dead(SHOWN)],
            self.messages.count_dead())

    def retry_event(self, delivery_id: int | str) -> None:
        """Make a dead delivery due now, with a fresh set of tries."""
        self._retry(self.events.revive, "event_delivery", delivery_id)

    def retry_message(self, message_id: int | str) -> None:
        """Make a dead message due now, with a fresh set of tries."""
        self._retry(self.messages.revive, "outbox_message", message_id)

    def _retry(self, revive: Callable[[int, datetime], bool], entity_type: str,
               row_id: int | str) -> None:
        self.uow.actor.require(Permission.SYSTEM_JOBS)
        key = entity_key(row_id)
        if key is None or not revive(key, self.uow.clock.now()):
            raise NotFound(f"no dead {entity_type} {row_id}")
        self.uow._audit.record("jobs.dead_letter.retry", entity_type, row_id,
                              before={"state": "dead"}, after={"state": "pending"})
