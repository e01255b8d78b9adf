"""Domain events and the queue of their deliveries to handlers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from shop.data.models import DomainEvent, EventDelivery
from shop.data.models.queue import DONE
from shop.data.repositories.batches import delete_ids
from shop.data.repositories.queue import QueueRepository
from shop.data.repositories.rows import append_rows, append_rows_returning_ids


class EventRepository(QueueRepository[EventDelivery]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, EventDelivery, EventDelivery.handled_at)

    def add(self, events: Sequence[tuple[str, dict[str, Any], Sequence[str]]], actor: str,
            due: datetime) -> None:
        """Events (name, payload, handlers) and one pending delivery per handler of each,
        written with the caller's change: two statements however many."""
        ids = append_rows_returning_ids(self.session, DomainEvent, [
            {"name": name, "payload": payload, "actor": actor} for name, payload, _ in events])
        append_rows(self.session, EventDelivery, [
            {"event_id": event_id, "handler": handler, "attempts": 0, "next_attempt_at": due}
            for event_id, (_, _, handlers) in zip(ids, events, strict=True)
            for handler in handlers])

    def events(self, event_ids: Iterable[int]) -> dict[int, DomainEvent]:
        ids = set(event_ids)
        if not ids:
            return {}
        return {event.id: event for event in self.session.scalars(
            select(DomainEvent).where(DomainEvent.id.in_(ids)))}

    def purge_finished(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` events older than ``before`` whose every delivery is done
        (their deliveries go with them); an event with a pending or dead delivery stays."""
        unfinished = exists().where(EventDelivery.event_id == DomainEvent.id,
                                    EventDelivery.state != DONE)
        ids = select(DomainEvent.id).where(DomainEvent.occurred_at < before, ~unfinished) \
            .order_by(DomainEvent.id).limit(limit)
        # The foreign key's ON DELETE CASCADE removes their deliveries in the database.
        return delete_ids(self.session, DomainEvent.id, ids)
