"""Claiming, finishing and reviving rows of a delivery queue (outbox messages, event deliveries).

Every change of state is one conditional UPDATE, so two workers can never both finish a row:
``claim`` takes only rows nobody holds a live lease on, and ``complete`` succeeds only for the
worker whose token the row carries and only while it is still pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from shop.data.models.queue import DEAD, DONE, PENDING, QueuedRow
from shop.data.repositories.batches import affected, delete_ids

Row = TypeVar("Row", bound=QueuedRow)


class QueueRepository(Generic[Row]):
    """The queue of ``model``; ``done_at`` is the column stamped when a row is finished, and
    the ``forgotten`` text columns are emptied then (what only the delivery needed)."""

    def __init__(self, session: Session, model: type[Row],
                 done_at: InstrumentedAttribute[datetime | None],
                 forgotten: Sequence[InstrumentedAttribute[str]] = ()) -> None:
        self.session = session
        self.model = model
        self.done_at = done_at
        self.forgotten = forgotten

    def _unleased(self, now: datetime) -> ColumnElement[bool]:
        model = self.model
        return or_(model.claimed_until.is_(None), model.claimed_until <= now)

    def _due(self, now: datetime) -> ColumnElement[bool]:
        model = self.model
        return and_(model.state == PENDING, model.next_attempt_at <= now, self._unleased(now))

    def any_due(self, now: datetime) -> bool:
        """Whether a claim would find work: a plain read, so idle polling takes no write lock."""
        return self.session.scalar(
            select(self.model.id).where(self._due(now)).limit(1)) is not None

    def bury_abandoned(self, now: datetime, max_attempts: int, error: str) -> int:
        """Rows claimed ``max_attempts`` times whose last claim lapsed with no outcome: every
        worker that took them died (a message that crashes its sender). They go dead."""
        model = self.model
        return affected(self.session.execute(
            update(model).where(self._due(now), model.attempts >= max_attempts)
            .values(state=DEAD, claimed_by=None, claimed_until=None, last_error=error)))

    def claim(self, *, now: datetime, lease_until: datetime, token: str,
              limit: int) -> Sequence[Row]:
        """Lease up to ``limit`` due rows to ``token``, oldest first; each claim counts a try.

        On PostgreSQL the candidates are locked with SKIP LOCKED, so two workers claiming at
        once take different rows; SQLite has one writer at a time. The UPDATE repeats the due
        condition, so a row leased meanwhile is never taken twice.
        """
        model = self.model
        candidates = select(model.id).where(self._due(now)).order_by(model.id).limit(limit)
        if self.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(self.session.scalars(candidates))
        if not ids:
            return []
        self.session.execute(
            update(model).where(model.id.in_(ids), self._due(now))
            .values(claimed_by=token, claimed_until=lease_until, attempts=model.attempts + 1)
            .execution_options(synchronize_session=False))
        return self.session.scalars(
            select(model).where(model.id.in_(ids), model.claimed_by == token)
            .order_by(model.id).execution_options(populate_existing=True)).all()

    def complete(self, row_id: int, token: str, now: datetime) -> bool:
        """Mark the row done for the worker holding it, emptying the forgotten columns; False
        when it is not (or no longer) that worker's to finish."""
        model = self.model
        values: dict[Any, Any] = {model.state: DONE, self.done_at: now, model.claimed_by: None,
                                  model.claimed_until: None, model.last_error: None}
        values.update(dict.fromkeys(self.forgotten, ""))
        result = self.session.execute(
            update(model).where(model.id == row_id, model.state == PENDING,
                                model.claimed_by == token).values(values))
        return bool(affected(result))

    def fail(self, row_id: int, token: str, error: str, retry_at: datetime | None) -> bool:
        """Note why the try failed; due again at ``retry_at``, or dead when it is None."""
        model = self.model
        values: dict[Any, Any] = {model.claimed_by: None, model.claimed_until: None,
                                  model.last_error: error[:500]}
        if retry_at is None:
            values[model.state] = DEAD
        else:
            values[model.next_attempt_at] = retry_at
        result = self.session.execute(
            update(model).where(model.id == row_id, model.state == PENDING,
                                model.claimed_by == token).values(values))
        return bool(affected(result))

    def release(self, row_ids: Sequence[int], token: str) -> None:
        """Give back claimed rows this worker will not get to; their try is not counted."""
        if not row_ids:
            return
        model = self.model
        self.session.execute(
            update(model).where(model.id.in_(row_ids), model.state == PENDING,
                                model.claimed_by == token)
            .values(claimed_by=None, claimed_until=None, attempts=model.attempts - 1)
            .execution_options(synchronize_session=False))

    def dead(self, limit: int) -> Sequence[Row]:
        model = self.model
        return self.session.scalars(
            select(model).where(model.state == DEAD).order_by(model.id.desc()).limit(limit)).all()

    def count_dead(self) -> int:
        model = self.model
        return int(self.session.scalar(
            select(func.count()).select_from(model).where(model.state == DEAD)) or 0)

    def revive(self, row_id: int, now: datetime) -> bool:
        """A dead row becomes due now with a fresh count of tries; False if it is not dead."""
        model = self.model
        result = self.session.execute(
            update(model).where(model.id == row_id, model.state == DEAD)
            .values(state=PENDING, attempts=0, next_attempt_at=now, claimed_by=None,
                    claimed_until=None))
        return bool(affected(result))

    def purge_done(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` rows finished before ``before``, oldest first."""
        model = self.model
        ids = select(model.id).where(model.state == DONE, self.done_at < before) \
            .order_by(model.id).limit(limit)
        return delete_ids(self.session, model.id, ids)

