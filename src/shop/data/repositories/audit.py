"""Writing audit entries and reading them back newest first, filtered and keyset-paged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.data.models.audit import AuditEntry


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)

    def page(self, *, limit: int, before_id: int | None = None, actor_kind: str | None = None,
             actor_id: int | None = None, action_prefix: str | None = None,
             entity_type: str | None = None, entity_id: str | None = None,
             since: datetime | None = None, until: datetime | None = None,
             ) -> Sequence[AuditEntry]:
        statement = select(AuditEntry)
        if before_id is not None:
            statement = statement.where(AuditEntry.id < before_id)
        if actor_kind:
            statement = statement.where(AuditEntry.actor_kind == actor_kind)
        if actor_id is not None:
            statement = statement.where(AuditEntry.actor_id == actor_id)
        if action_prefix:
            statement = statement.where(AuditEntry.action.startswith(action_prefix))
        if entity_type:
            statement = statement.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            statement = statement.where(AuditEntry.entity_id == entity_id)
        if since is not None:
            statement = statement.where(AuditEntry.at >= since)
        if until is not None:
            statement = statement.where(AuditEntry.at < until)
        return self.session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit)).all()
