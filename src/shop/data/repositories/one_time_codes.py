"""One-time codes: the latest one sent to an address, link tokens by hash, ending the live ones.

Using up a code and counting a wrong guess are single conditional UPDATEs, so two requests racing
with the same code cannot both succeed and parallel guesses cannot slip past the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from shop.data.models import OneTimeCode
from shop.data.repositories.batches import delete_ids


@dataclass(frozen=True)
class CodeRecord:
    """A code as it was read: what checking a guess and using the code up need."""

    id: int
    purpose: str
    channel: str
    destination: str
    customer_id: int | None
    code_hash: str
    expires_at: datetime
    used_at: datetime | None
    attempts: int


class OneTimeCodeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, code: OneTimeCode) -> None:
        self.session.add(code)

    def latest(self, purpose: str, destination: str) -> CodeRecord | None:
        """The newest code of ``purpose`` sent to ``destination``: only that one can be used."""
        return self._record(
            OneTimeCode.destination == destination, OneTimeCode.purpose == purpose)

    def by_hash(self, purpose: str, code_hash: str) -> CodeRecord | None:
        return self._record(OneTimeCode.code_hash == code_hash, OneTimeCode.purpose == purpose)

    def _record(self, *where: ColumnElement[bool]) -> CodeRecord | None:
        found = self.session.execute(
            select(OneTimeCode.id, OneTimeCode.purpose, OneTimeCode.channel,
                   OneTimeCode.destination, OneTimeCode.customer_id, OneTimeCode.code_hash,
                   OneTimeCode.expires_at, OneTimeCode.used_at, OneTimeCode.attempts)
            .where(*where)
            .order_by(OneTimeCode.created_at.desc(), OneTimeCode.id.desc()).limit(1)
        ).first()
        return CodeRecord(*found) if found else None

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

    def purge_created_before(self, moment: datetime, limit: int) -> int:
        """Delete up to ``limit`` codes created before ``moment``, oldest first."""
        return delete_ids(self.session, OneTimeCode.id, select(OneTimeCode.id)
                          .where(OneTimeCode.created_at < moment)
                          .order_by(OneTimeCode.id).limit(limit))
