"""One-time codes: the latest one sent to an address, link tokens by hash, ending the live ones.

Using up a code and counting a wrong guess are single conditional UPDATEs, so two requests racing
with the same code cannot both succeed and parallel guesses cannot slip past the limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from shop.data.models import OneTimeCode


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

    def end_live(self, purpose: str, now: datetime, *, destination: str | None = None,
                 customer_id: int | None = None) -> int:
        """Make every live code of ``purpose`` sent to ``destination`` or acting for
        ``customer_id`` expire now; how many there were."""
        whom = [OneTimeCode.destination == destination] if destination is not None else []
        whom += [OneTimeCode.customer_id == customer_id] if customer_id is not None else []
        if not whom:
            return 0
        result = self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None),
                   OneTimeCode.expires_at > now, or_(*whom))
            .values(expires_at=now))
        return cast("CursorResult[Any]", result).rowcount

    def count_wrong_guess(self, code_id: int, max_attempts: int) -> bool:
        """Add one wrong guess; False when the code had already used up its guesses."""
        result = self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.attempts < max_attempts)
            .values(attempts=OneTimeCode.attempts + 1))
        return bool(cast("CursorResult[Any]", result).rowcount)

    def use(self, code_id: int, at: datetime, max_attempts: int) -> bool:
        """Mark the code used; False when another request used it first (or it is dead)."""
        result = self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.used_at.is_(None),
                   OneTimeCode.attempts < max_attempts)
            .values(used_at=at))
        return bool(cast("CursorResult[Any]", result).rowcount)
