"""The back office (后台): staff pages under /admin, each view naming the permission it needs.

Areas register themselves with ``config.add_admin_area`` so that the side navigation and the
dashboard list exactly the areas the acting staff member may open; other back-office modules
(catalog, orders, ...) add theirs the same way. No cache keeps a back-office page: see
``shop.presentation.headers``.
"""

from __future__ import annotations

from pyramid.config import Configurator

from shop.application import Permission
from shop.presentation.admin.navigation import add_admin_area, admin_context
from shop.presentation.i18n import _


def includeme(config: Configurator) -> None:
    config.add_directive("add_admin_area", add_admin_area)
    config.add_subscriber(admin_context, "pyramid.events.BeforeRender")

    config.add_route("admin", "/admin")
    config.add_route("admin_login", "/admin/login")
    config.add_route("admin_logout", "/admin/logout")
    config.add_route("admin_staff", "/admin/staff")
    config.add_route("admin_staff_new", "/admin/staff/new")
    config.add_route("admin_staff_edit", r"/admin/staff/{id:[0-9]+}")
    config.add_route("admin_staff_password", r"/admin/staff/{id:[0-9]+}/password")
    config.add_route("admin_roles", "/admin/roles")
    config.add_route("admin_role_new", "/admin/roles/new")
    config.add_route("admin_role_edit", "/admin/roles/{code}")
    config.add_route("admin_role_delete", "/admin/roles/{code}/delete")
    config.add_route("admin_audit", "/admin/audit")
    # Writes on GET: an export is itself recorded in the audit log.
    config.add_route("admin_audit_export", "/admin/audit/export.csv", writes_on_get=True)
    config.add_route("admin_settings", "/admin/settings")

    config.add_admin_area("admin", _("Dashboard"), Permission.ADMIN_ACCESS, order=0,
                          module="home")
    config.add_admin_area("admin_staff", _("Staff"), Permission.STAFF_MANAGE, order=900,
                          module="system")
    config.add_admin_area("admin_roles", _("Roles"), Permission.ROLE_MANAGE, order=910,
                          module="system")
    config.add_admin_area("admin_audit", _("Audit log"), Permission.AUDIT_VIEW, order=920,
                          module="system")
    config.add_admin_area("admin_settings", _("Base settings"), Permission.SETTINGS_MANAGE,
                          order=930, module="system")
    config.include(".dead_letters")
    config.include(".shipping")
    config.include(".coupons")
    config.include(".gift_cards")
    config.include(".payment_alerts")
    config.include(".top_ups")
    config.include(".promotions")
    config.include(".promotion_simulator")
    config.include(".catalog")
    config.include(".orders")
    config.include(".order_entry")
    config.include(".rma")
    config.include(".customers")
