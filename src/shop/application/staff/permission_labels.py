"""Human names for the permissions a role form offers (the values themselves are for machines),
and the groups the form shows them in: by business module (商品 / 订单 / 营销 / 客户 / 财务 / 系统),
the same headings the back office's navigation uses, so "Edit products" sits beside "View
products" and an administrator building a role reads it by area of work."""

from __future__ import annotations

from shop.application.actors import Permission
from shop.application.i18n import _
from shop.application.staff.builtin_roles import STAFF_PERMISSIONS
from shop.application.staff.read_models import PermissionChoice, PermissionGroup

LABELS = {
    Permission.ADMIN_ACCESS: _("Open the back office"),
    Permission.CATALOG_VIEW: _("View products"),
    Permission.CATALOG_WRITE: _("Edit products"),
    Permission.CUSTOMER_VIEW: _("View customers"),
    Permission.CUSTOMER_MANAGE: _("Manage customers"),
    Permission.ORDER_VIEW: _("View orders"),
    Permission.ORDER_MANAGE: _("Manage orders"),
    Permission.RMA_MANAGE: _("Handle returns, refunds and complaints"),
    Permission.STOCK_VIEW: _("View stock"),
    Permission.STOCK_MANAGE: _("Manage stock"),
    Permission.PURCHASING_MANAGE: _("Manage purchasing"),
    Permission.PROMOTION_VIEW: _("View promotions and coupons"),
    Permission.PROMOTION_MANAGE: _("Run promotions and coupons"),
    Permission.FINANCE_VIEW: _("View finance"),
    Permission.FINANCE_MANAGE: _("Manage finance"),
    Permission.STAFF_MANAGE: _("Manage staff accounts"),
    Permission.ROLE_MANAGE: _("Manage roles"),
    Permission.AUDIT_VIEW: _("Read the audit log"),
    Permission.SETTINGS_MANAGE: _("Change base settings"),
    Permission.SYSTEM_DATABASE: _("Maintain the database"),
    Permission.SYSTEM_JOBS: _("Manage background jobs"),
}


def permission_choices() -> tuple[PermissionChoice, ...]:
    """Every staff permission in form order; one added later shows its value until labelled."""
    return tuple(PermissionChoice(p.value, LABELS.get(p, p.value)) for p in STAFF_PERMISSIONS)


#: The group of each permission scope (the first part of ``scope:resource:action``), in form
#: order; a scope not listed falls in "System".
GROUPS = (
    ("home", _("Back office"), ("admin",)),
    ("catalog", _("Products and stock"), ("catalog", "wms", "purchasing")),
    ("orders", _("Orders"), ("order",)),
    ("marketing", _("Marketing"), ("marketing",)),
    ("customers", _("Customers"), ("crm",)),
    ("finance", _("Finance"), ("finance",)),
    ("system", _("System"), ("system",)),
)
FALLBACK_GROUP = "system"


def permission_groups() -> tuple[PermissionGroup, ...]:
    """Every staff permission once, grouped by module in form order; empty groups left out."""
    group_of = {scope: code for code, _label, scopes in GROUPS for scope in scopes}
    members: dict[str, list[PermissionChoice]] = {code: [] for code, _label, _scopes in GROUPS}
    for choice in permission_choices():
        members[group_of.get(choice.value.partition(":")[0], FALLBACK_GROUP)].append(choice)
    return tuple(PermissionGroup(code, label, tuple(members[code]))
                 for code, label, _scopes in GROUPS if members[code])
