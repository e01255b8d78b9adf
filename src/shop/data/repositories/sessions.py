"""Login sessions by token hash and by principal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from shop.data.models import WebSession
from shop.data.repositories.batches import delete_ids


@dataclass(frozen=True)
class LiveSession:
    """A session that has not expired: who it is for and what starting it again needs."""

    token_hash: str
    principal_kind: str
    principal_id: int
    remember: bool
    ip: str | None
    user_agent: str | None


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, web_session: WebSession) -> None:
        self.session.add(web_session)

    def live(self, token_hash: str, now: datetime) -> LiveSession | None:
        found = self.session.execute(
            select(WebSession.token_hash, WebSession.principal_kind, WebSession.principal_id,
                   WebSession.remember, WebSession.ip, WebSession.user_agent)
            .where(WebSession.token_hash == token_hash, WebSession.expires_at > now)
        ).first()
        return LiveSession(*found) if found else None

    def delete(self, token_hash: str) -> None:
        self.session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))

    def delete_for(self, principal_kind: str, principal_id: int,
                   keep: Sequence[str] = ()) -> int:
        """End every session of a principal but those in ``keep``; returns how many ended."""
        statement = delete(WebSession).where(WebSession.principal_kind == principal_kind,
                                             WebSession.principal_id == principal_id)
        if keep:
            statement = statement.where(WebSession.token_hash.not_in(keep))
        return _rowcount(self.session.execute(statement))

    def delete_expired(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` sessions that expired by ``now`` (a purge's batch)."""
        return delete_ids(self.session, WebSession.token_hash,
                          select(WebSession.token_hash).where(WebSession.expires_at <= now)
                          .limit(limit))


def _rowcount(result: Any) -> int:
    return cast("CursorResult[Any]", result).rowcount or 0
