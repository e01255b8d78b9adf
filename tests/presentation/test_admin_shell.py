"""The back office's frame: navigation grouped by module, the staff member's own name in the
header, and the back office's own 403 page for a role that lacks a page."""

from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError

from shop.application import Permission
from shop.presentation.admin.navigation import add_admin_area, default_module
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}


def signed_in(app, system, roles, **kw):
    member = sf.staff(system, roles, **kw)
    sf.cookie(app, system, "staff", member.id)
    return member


def nav(page):
    """{module: [area routes]} as the side navigation shows them."""
    return {ul["data-module"]: [a["data-area"] for a in ul.select("a")]
            for ul in page.html.select("#admin-nav ul.admin-module")}


def test_navigation_groups_the_areas_by_module(app, system):
    signed_in(app, system, ["administrator"])
    page = app.get("/admin", headers=EN)
    modules = nav(page)
    assert next(iter(modules)) == "home" and modules["home"] == ["admin"]
    assert modules["system"][:4] == ["admin_staff", "admin_roles", "admin_audit",
                                     "admin_settings"]
    assert "admin_gift_cards" in modules["finance"]
    assert "admin_shipping_methods" in modules["orders"]
    # Promotions and coupons name no module: their permission's scope puts them in marketing.
    assert {"admin_promotions", "admin_coupons"} <= set(modules["marketing"])
    headings = [h.text for h in page.html.select("#admin-nav h2")]
    assert "System" in headings and "Marketing" in headings


def test_a_role_sees_only_its_modules(app, system):
    signed_in(app, system, ["finance"])
    modules = nav(app.get("/admin", headers=EN))
    # Finance may view orders (order:order:view): the order list is under Orders.
    assert set(modules) == {"home", "finance", "orders"}
    assert modules["orders"] == ["admin_orders"]


def test_the_header_names_the_staff_member(app, system):
    signed_in(app, system, ["finance"], username="lin", name="林小姐")
    who = app.get("/admin", headers=EN).html.select_one("#admin-who")
    assert who.text == "林小姐" and who["title"] == "staff:lin"


def test_a_role_without_the_page_gets_the_back_offices_403(app, system):
    signed_in(app, system, ["finance"])
    page = app.get("/admin/audit", headers=EN, status=403)
    assert page.html.select_one("#admin-forbidden") is not None
    assert page.html.select_one("#admin-nav") is not None  # the back office's layout
    assert page.html.select_one("#back-to-dashboard")["href"] == "/admin"
    assert "Your role does not open this page" in page.text


def test_a_shopper_and_an_anonymous_visitor_still_go_to_the_login(app, system):
    assert "/admin/login" in app.get("/admin/audit", status=303).location
    sf.cookie(app, system, "customer", sf.customer(system))
    assert "/admin/login" in app.get("/admin/audit", status=303).location


def test_a_storefront_403_stays_the_storefronts(app, system):
    """Staff refused outside /admin see the shop's page, not the back office's."""
    signed_in(app, system, ["finance"])
    page = app.get("/account", headers=EN, status="*")
    assert "admin-forbidden" not in page.text


def test_an_area_without_a_module_goes_by_its_permission():
    assert default_module(Permission.CATALOG_WRITE) == "catalog"
    assert default_module(Permission.STOCK_VIEW) == "catalog"
    assert default_module(Permission.ORDER_VIEW) == "orders"
    assert default_module(Permission.CUSTOMER_VIEW) == "customers"
    assert default_module("something:else:entirely") == "system"


def test_an_unknown_module_is_refused_at_configuration():
    config = Configurator()
    with pytest.raises(ConfigurationError):
        add_admin_area(config, "admin_x", "X", Permission.CATALOG_VIEW, module="catalogue")
