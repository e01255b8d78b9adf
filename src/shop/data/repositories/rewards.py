"""The points journal: appending once per reference, and summing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import PointsEntry


class PointsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_reference(self, reference: str) -> PointsEntry | None:
        return self.session.scalars(
            select(PointsEntry).where(PointsEntry.reference == reference)).first()

    def append_once(self, entry: PointsEntry) -> bool:
        """Insert ``entry`` unless its reference is taken; False when it was.

        The insert runs in a savepoint: when a concurrent transaction committed the same
        reference first, the unique key refuses ours, the savepoint alone rolls back, and the
        caller's transaction carries on.
        """
        try:
            with self.session.begin_nested():
                self.session.add(entry)
        except IntegrityError:
            return False
        return True

    def balance(self, customer_id: int) -> int:
        return int(self.session.scalar(
            select(func.coalesce(func.sum(PointsEntry.delta), 0))
            .where(PointsEntry.customer_id == customer_id)) or 0)

    def recent(self, customer_id: int, limit: int) -> list[PointsEntry]:
        return list(self.session.scalars(
            select(PointsEntry).where(PointsEntry.customer_id == customer_id)
            .order_by(PointsEntry.id.desc()).limit(limit)))
