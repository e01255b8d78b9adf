"""Throttle events: serialize a key's checks, add events, read a key's latest, clear keys, purge
the old."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from shop.data.models import ThrottleEvent
from shop.data.repositories.batches import delete_ids


class ThrottleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def serialize(self, keys: Iterable[str]) -> None:
        """Hold the keys until the transaction ends, so that one key's checks and counts run
        one after the other.

        On PostgreSQL, concurrent transactions never see each other's uncommitted events: each
        would pass the check and count in its own transaction. A transaction-scoped advisory lock
        per key (taken in sorted order, so two callers never wait for each other crosswise) makes
        the next caller wait until this one has committed or rolled back. Two keys whose hashes
        collide only wait for each other. SQLite needs nothing: a writing transaction holds the
        database's one write lock from its start (``BEGIN IMMEDIATE``).
        """
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for key in sorted(set(keys)):
            self.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))

    def add(self, keys: Iterable[str], at: datetime) -> None:
        """One event at ``at`` for each key; executed now, so a check that follows counts it."""
        rows = [{"key": key, "at": at} for key in dict.fromkeys(keys)]
        if rows:
            self.session.execute(insert(ThrottleEvent), rows)

    def latest(self, key: str, since: datetime, limit: int) -> Sequence[datetime]:
        """When the key's events after ``since`` happened, newest first (at most ``limit``)."""
        return self.session.scalars(
            select(ThrottleEvent.at)
            .where(ThrottleEvent.key == key, ThrottleEvent.at > since)
            .order_by(ThrottleEvent.at.desc()).limit(limit)
        ).all()

    def clear(self, keys: Iterable[str]) -> None:
        keys = list(dict.fromkeys(keys))
        if keys:
            self.session.execute(delete(ThrottleEvent).where(ThrottleEvent.key.in_(keys)))

    def delete_before(self, moment: datetime, limit: int) -> int:
        """Delete up to ``limit`` events from before ``moment``, oldest first (a purge's batch)."""
        return delete_ids(self.session, ThrottleEvent.id,
                          select(ThrottleEvent.id).where(ThrottleEvent.at < moment)
                          .order_by(ThrottleEvent.id).limit(limit))
