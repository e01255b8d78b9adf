"""Who is acting: every service call carries an actor, and permissions are checked against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shop.application.errors import Forbidden


class Permission(StrEnum):
    """Named ``scope:resource:action``; roles are sets of these."""

    CATALOG_WRITE = "catalog:product:write"
    SYSTEM_DATABASE = "system:database:manage"


@dataclass(frozen=True)
class Actor:
    kind: str  # "anonymous", "shopper", "staff" or "system"
    name: str
    id: int | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        return self.kind == "system" or permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(f"{self.name} lacks the permission {permission}")


ANONYMOUS = Actor(kind="anonymous", name="anonymous")


def system_actor(name: str) -> Actor:
    """A script, job or integrator: trusted with everything, named in every audit entry."""
    return Actor(kind="system", name=f"system:{name}")
