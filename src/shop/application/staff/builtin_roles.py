"""The built-in roles and their permission sets, kept here in code.

Migrations 0004 (and 0017, marketing) seed a row per role so assignments can refer to it; the
permission sets are read from here, never from the database, so they cannot drift and cannot be
edited from a form. The
administrator holds every staff permission, including ones added to ``Permission`` later.
"""

from __future__ import annotations

from shop.application.actors import Permission

#: Shoppers' own permission; never part of a staff role.
SHOPPER_ONLY = frozenset({Permission.ACCOUNT_SELF})
#: Every permission a staff role may hold, in the order forms list them.
STAFF_PERMISSIONS: tuple[Permission, ...] = tuple(p for p in Permission if p not in SHOPPER_ONLY)

STAFF_PERMISSION_VALUES = frozenset(p.value for p in STAFF_PERMISSIONS)

ADMINISTRATOR = "administrator"


def _values(*permissions: Permission) -> frozenset[str]:
    return frozenset(p.value for p in permissions)


P = Permission
BUILTIN_ROLES: dict[str, frozenset[str]] = {
    ADMINISTRATOR: _values(*STAFF_PERMISSIONS),
    "merchandiser": _values(P.ADMIN_ACCESS, P.CATALOG_VIEW, P.CATALOG_WRITE),
    "customer_service": _values(P.ADMIN_ACCESS, P.CUSTOMER_VIEW, P.CUSTOMER_MANAGE,
                                P.ORDER_VIEW, P.ORDER_MANAGE, P.RMA_MANAGE),
    "warehouse": _values(P.ADMIN_ACCESS, P.STOCK_VIEW, P.STOCK_MANAGE, P.ORDER_VIEW),
    "purchasing": _values(P.ADMIN_ACCESS, P.PURCHASING_MANAGE, P.STOCK_VIEW),
    "marketing": _values(P.ADMIN_ACCESS, P.PROMOTION_VIEW, P.PROMOTION_MANAGE, P.CATALOG_VIEW),
    "finance": _values(P.ADMIN_ACCESS, P.FINANCE_VIEW, P.FINANCE_MANAGE, P.ORDER_VIEW),
}


def permissions_of_role(code: str, is_builtin: bool,
                        stored: set[str] | frozenset[str]) -> frozenset[str]:
    """A role's permissions: from code for a built-in role, from its rows for a custom one."""
    if is_builtin:
        return BUILTIN_ROLES.get(code, frozenset())
    return frozenset(p for p in stored if p in STAFF_PERMISSION_VALUES)
