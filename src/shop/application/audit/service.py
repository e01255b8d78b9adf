"""Recording who changed what, and reading the log back.

Services call ``record`` in the same transaction as the change, so an entry exists exactly when
the change committed. Values are stored as JSON-safe plain data (Decimal and dates as text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.data.models.audit import AuditEntry
from shop.data.repositories.audit import AuditRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

MAX_PAGE = 500


def plain(value: Any) -> Any:
    """JSON-safe copy of ``value``: money and times as text, containers recursively."""
    if isinstance(value, Decimal | date | datetime):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    action: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None


class AuditService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = AuditRepository(uow._session)

    def record(self, action: str, entity_type: str, entity_id: object = None, *,
               before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
               ip: str | None = None) -> None:
        """One entry for the current actor; ``before``/``after`` keep only fields that changed."""
        if before is not None and after is not None:
            changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
            before = {k: v for k, v in before.items() if k in changed}
            after = {k: v for k, v in after.items() if k in changed}
        actor = self.uow.actor
        self.repo.add(AuditEntry(
            actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name, action=action,
            entity_type=entity_type, entity_id=None if entity_id is None else str(entity_id),
            before=plain(before) if before is not None else None,
            after=plain(after) if after is not None else None, ip=ip or self.uow.client_ip))

    def entries(self, *, limit: int = 50, before_id: int | None = None,
                **filters: Any) -> list[AuditView]:
        """Newest first, keyset-paged by id; needs the audit permission."""
        self.uow.actor.require(Permission.AUDIT_VIEW)
        rows = self.repo.page(limit=min(max(limit, 1), MAX_PAGE), before_id=before_id, **filters)
        return [AuditView(r.id, r.at, r.actor_kind, r.actor_id, r.actor_name, r.action,
                          r.entity_type, r.entity_id, r.before, r.after, r.ip) for r in rows]
