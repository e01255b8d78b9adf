"""Who is acting: every service call carries an actor, and permissions are checked against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shop.application.errors import Forbidden


class Permission(StrEnum):
    """Named ``scope:resource:action``; staff roles are sets of these."""

    #: Every signed-in shopper holds this one, for their own account only.
    ACCOUNT_SELF = "account:self:manage"

    ADMIN_ACCESS = "admin:dashboard:view"
    CATALOG_VIEW = "catalog:product:view"
    CATALOG_WRITE = "catalog:product:write"
    CUSTOMER_VIEW = "crm:customer:view"
    CUSTOMER_MANAGE = "crm:customer:manage"
    ORDER_VIEW = "order:order:view"
    ORDER_MANAGE = "order:order:manage"
    #: After-sales: approve, reject, receive, refund and replace RMA requests; answer
    #: suggestions and complaints; keep the return policy.
    RMA_MANAGE = "order:rma:manage"
    STOCK_VIEW = "wms:stock:view"
    STOCK_MANAGE = "wms:stock:manage"
    PURCHASING_MANAGE = "purchasing:order:manage"
    PROMOTION_VIEW = "marketing:promotion:view"
    PROMOTION_MANAGE = "marketing:promotion:manage"
    FINANCE_VIEW = "finance:ledger:view"
    FINANCE_MANAGE = "finance:ledger:manage"
    STAFF_MANAGE = "system:staff:manage"
    ROLE_MANAGE = "system:role:manage"
    AUDIT_VIEW = "system:audit:view"
    SETTINGS_MANAGE = "system:settings:manage"
    SYSTEM_DATABASE = "system:database:manage"
    #: The dead-letter queue: read failed deliveries and send them round again.
    SYSTEM_JOBS = "system:jobs:manage"


@dataclass(frozen=True)
class Actor:
    kind: str  # "anonymous", "shopper", "staff" or "system"
    #: The actor in the audit log ("staff:alice"): unique, and stable when a person renames.
    name: str
    id: int | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    #: What a page calls them ("Alice Wang"); ``name`` when they have none of their own.
    display_name: str = ""

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name

    def can(self, permission: Permission) -> bool:
        return self.kind == "system" or permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(f"{self.name} lacks the permission {permission}")

    def require_system(self) -> None:
        """Internal hooks (event handlers, job steps) act for the shop, never for a visitor or
        a staff member: only a system actor may call them, whatever permissions others hold."""
        if self.kind != "system":
            raise Forbidden(f"{self.name} may not call the shop's internal hooks")


ANONYMOUS = Actor(kind="anonymous", name="anonymous")


def system_actor(name: str) -> Actor:
    """A script, job or integrator: trusted with everything, named in every audit entry."""
    return Actor(kind="system", name=f"system:{name}")
