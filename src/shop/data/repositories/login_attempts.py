"""Login attempts: recent failures per identifier (since its last success) and per address."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shop.data.models import LoginAttempt
from shop.data.repositories.batches import delete_ids


class LoginAttemptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attempt: LoginAttempt) -> None:
        self.session.add(attempt)
        # Flushed now: the throttle counts this attempt in the same request.
        self.session.flush()

    def failures_for(self, identifier: str, since: datetime, limit: int) -> Sequence[datetime]:
        """Failed attempts on ``identifier`` after ``since`` and after its last success."""
        last_success = (select(func.max(LoginAttempt.at))
                        .where(LoginAttempt.identifier == identifier,
                               LoginAttempt.succeeded.is_(True), LoginAttempt.at > since)
                        .scalar_subquery())
        return self.session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.identifier == identifier, LoginAttempt.succeeded.is_(False),
                   LoginAttempt.at > since,
                   or_(last_success.is_(None), LoginAttempt.at > last_success))
            .order_by(LoginAttempt.at.desc()).limit(limit)
        ).all()

    def failures_from(self, ip: str, since: datetime, limit: int) -> Sequence[datetime]:
        return self.session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(False),
                   LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc()).limit(limit)
        ).all()

    def purge_before(self, moment: datetime, limit: int) -> int:
        """Delete up to ``limit`` attempts made before ``moment``, oldest first."""
        return delete_ids(self.session, LoginAttempt.id, select(LoginAttempt.id)
                          .where(LoginAttempt.at < moment).order_by(LoginAttempt.id).limit(limit))
