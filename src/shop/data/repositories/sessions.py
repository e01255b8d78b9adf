"""Login sessions by token hash and by principal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shop.data.models import WebSession


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, web_session: WebSession) -> None:
        self.session.add(web_session)

    def live(self, token_hash: str, now: datetime) -> WebSession | None:
        return self.session.scalars(
            select(WebSession).where(WebSession.token_hash == token_hash,
                                     WebSession.expires_at > now)
        ).first()

    def delete(self, token_hash: str) -> None:
        self.session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))

    def delete_for(self, principal_kind: str, principal_id: int,
                   keep: Sequence[str] = ()) -> int:
        """End every session of a principal but those in ``keep``; returns how many ended."""
        statement = delete(WebSession).where(WebSession.principal_kind == principal_kind,
                                             WebSession.principal_id == principal_id)
        if keep:
            statement = statement.where(WebSession.token_hash.not_in(keep))
        return self.session.execute(statement).rowcount or 0

    def count_for(self, principal_kind: str, principal_id: int, now: datetime) -> int:
        return len(self.session.scalars(
            select(WebSession.token_hash).where(
                WebSession.principal_kind == principal_kind,
                WebSession.principal_id == principal_id, WebSession.expires_at > now)
        ).all())

    def delete_expired(self, now: datetime) -> int:
        return self.session.execute(
            delete(WebSession).where(WebSession.expires_at <= now)).rowcount or 0
