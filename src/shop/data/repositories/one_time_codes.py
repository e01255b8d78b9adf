"""One-time codes: the latest one sent to an address, link tokens by hash, and how many were sent.

Using up a code and counting a wrong guess are single conditional UPDATEs, so two requests racing
with the same code cannot both succeed and parallel guesses cannot slip past the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop.data.models import OneTimeCode
from shop.data.repositories.batches import delete_ids


class OneTimeCodeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, code: OneTimeCode) -> None:
        self.session.add(code)

    def latest(self, purpose: str, destination: str) -> OneTimeCode | None:
        """The newest code of ``purpose`` sent to ``destination``: only that one can be used."""
        return self.session.scalars(
            select(OneTimeCode)
            .where(OneTimeCode.destination == destination, OneTimeCode.purpose == purpose)
            .order_by(OneTimeCode.created_at.desc(), OneTimeCode.id.desc()).limit(1)
        ).first()

    def by_hash(self, purpose: str, code_hash: str) -> OneTimeCode | None:
        return self.session.scalars(
            select(OneTimeCode).where(OneTimeCode.code_hash == code_hash,
                                      OneTimeCode.purpose == purpose)
        ).first()

    def count_wrong_guess(self, code_id: int, max_attempts: int) -> bool:
        """Add one wrong guess; False when the code had already used up its guesses."""
        result = self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.attempts < max_attempts)
            .values(attempts=OneTimeCode.attempts + 1))
        return bool(result.rowcount)

    def use(self, code_id: int, at: datetime, max_attempts: int) -> bool:
        """Mark the code used; False when another request used it first (or it is dead)."""
        result = self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.used_at.is_(None),
                   OneTimeCode.attempts < max_attempts)
            .values(used_at=at))
        return bool(result.rowcount)

    def sent_to(self, destination: str, since: datetime, limit: int) -> Sequence[datetime]:
        """When codes went to ``destination`` after ``since``, newest first (at most ``limit``)."""
        return self.session.scalars(
            select(OneTimeCode.created_at)
            .where(OneTimeCode.destination == destination, OneTimeCode.created_at > since)
            .order_by(OneTimeCode.created_at.desc()).limit(limit)
        ).all()

    def asked_from(self, ip: str, since: datetime, limit: int) -> Sequence[datetime]:
        """When visitors at ``ip`` asked for codes after ``since``, newest first."""
        return self.session.scalars(
            select(OneTimeCode.created_at)
            .where(OneTimeCode.ip == ip, OneTimeCode.created_at > since)
            .order_by(OneTimeCode.created_at.desc()).limit(limit)
        ).all()

    def purge_created_before(self, moment: datetime, limit: int) -> int:
        """Delete up to ``limit`` codes created before ``moment``, oldest first."""
        return delete_ids(self.session, OneTimeCode.id, select(OneTimeCode.id)
                          .where(OneTimeCode.created_at < moment)
                          .order_by(OneTimeCode.id).limit(limit))
