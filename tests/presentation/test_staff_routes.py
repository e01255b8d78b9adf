"""Every back-office route, found through Pyramid's introspection, holds its permission.

For each route under /admin and each view on it: an anonymous visitor, a signed-in shopper and
every built-in role lacking the view's permission get 403 (staff: the back office's own 403 page)
or a redirect to the staff login; a role holding it gets 200 on GET. A route added later is
walked without anyone writing a test.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from shop.application.staff.builtin_roles import BUILTIN_ROLES
from shop.data.models import Order
from shop.data.repositories.rma import RmaRepository
from shop.data.repositories.rows import append_rows_returning_ids
from shop.presentation.security import PUBLIC
from tests import factories
from tests import staff_factories as sf

ACTORS = ["anonymous", "shopper", *BUILTIN_ROLES]


def admin_views(wsgi_app):
    """(route name, pattern, request method, permission) for every view of an /admin route."""
    introspector = wsgi_app.registry.introspector
    found = []
    for route in introspector.get_category("routes"):
        pattern = route["introspectable"]["pattern"]
        if not pattern.startswith("/admin"):
            continue
        for related in route["related"]:
            if related.category_name != "views":
                continue
            methods = related["request_methods"] or ("GET", "POST")
            methods = (methods,) if isinstance(methods, str) else methods
            permission = next((r["value"] for r in introspector.related(related)
                               if r.category_name == "permissions"), None)
            for method in methods:
                found.append((route["introspectable"]["name"], pattern, method, permission))
    return found


def url_for(pattern, fixtures):
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: str(fixtures[m.group(1)]), pattern)


@pytest.fixture
def world(system):
    """One staff member per built-in role, a shopper, and something to point routes at."""
    sf.staff(system, ["administrator"], username="keeper")  # so no test touches the last admin
    members = {role: sf.staff(system, [role], username=f"walk_{role}") for role in BUILTIN_ROLES}
    system.roles.create_role({"code": "walk_custom", "name_zh": "巡", "name_en": "Walk",
                              "permissions": ["admin:dashboard:view"]})
    # The same code names a shipping method, so that /admin/shipping-methods/{code} finds one.
    system.shipping.create_method({"code": "walk_custom", "name_zh": "巡", "name_en": "Walk",
                                   "rules_text": "* 1000 10 1000 1"})
    victim = sf.staff(system, ["finance"], username="walk_target")
    coupon = system.coupons.create_template({
        "name_zh": "巡", "name_en": "Walk", "kind": "free_shipping",
        "scope": {"everything": True}, "valid_days": 30})
    category = factories.category(system, "walk-category")
    brand = factories.brand(system, "walk-brand")
    factories.attributes(system)
    color = next(a for a in system.attributes.attributes() if a.code == "color")
    product = factories.product(system, "walk-category")
    shopper = sf.customer(system)
    rma = _bare_rma(system, shopper)
    return {"members": members, "shopper": shopper,
            "fixtures": {"id": victim.id, "code": "walk_custom", "fmt": "csv"},
            # Routes whose placeholders name something else, by the start of their names.
            "fixtures_of": {"admin_coupons": {"id": coupon.id},
                            "admin_customer": {"id": shopper, "fmt": "csv"},
                            "admin_catalog_categories": {"id": category.id},
                            "admin_catalog_brands": {"id": brand.id},
                            "admin_catalog_attributes": {"id": color.id, "code": "red"},
                            # No image: only POSTs name one, and no GET must answer 200.
                            "admin_catalog_products": {"id": product.id, "image": 1, "fmt": "csv"},
                            "admin_rma": {"number": rma, "action": "approve",
                                          "id": victim.id, "fmt": "csv"},
                            # The order the after-sales request is on; no flag has id 1.
                            "admin_order": {"number": BARE_ORDER, "id": 1}}}


BARE_ORDER = "20261202000000000001"


def _bare_rma(system, customer_id):
    """An after-sales request on a bare order row (no lines): what the RMA pages point at."""
    [order_id] = append_rows_returning_ids(system._session, Order, [{
        "number": BARE_ORDER, "idempotency_key": "walk", "customer_id": customer_id,
        "state": "completed", "payment_method": "online", "items_total": Decimal("1.00"),
        "payable": Decimal("1.00"), "shipping_method_code": "express",
        "shipping_method_name": "Express", "recipient": "张三", "mobile": "13800138000",
        "province_code": "110000", "city_code": "110100", "street": "建国路 1 号"}])
    number = "S20261202000000000001"
    RmaRepository(system._session).insert({
        "number": number, "order_id": order_id, "customer_id": customer_id, "kind": "return",
        "state": "requested", "reason": "quality"})
    return number


def fixtures_for(world, name):
    return next((fixtures for start, fixtures in world["fixtures_of"].items()
                 if name.startswith(start)), world["fixtures"])


def sign_in(app, system, world, who):
    if who == "shopper":
        sf.cookie(app, system, "customer", world["shopper"])
    elif who != "anonymous":
        sf.cookie(app, system, "staff", world["members"][who].id)


def test_the_walk_finds_the_back_office(wsgi_app):
    views = admin_views(wsgi_app)
    names = {name for name, *_ in views}
    assert {"admin", "admin_staff", "admin_roles", "admin_audit", "admin_settings",
            "admin_shipping_methods", "admin_shipping_method_edit"} <= names
    assert all(permission is not None for *_, permission in views), views


@pytest.mark.parametrize("who", ACTORS)
def test_every_admin_route_holds_its_permission(app, wsgi_app, system, world, who):
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    sign_in(app, system, world, who)
    held = (BUILTIN_ROLES.get(who, frozenset()))
    wrong = []
    for name, pattern, method, permission in admin_views(wsgi_app):
        if permission == PUBLIC:
            continue
        url = url_for(pattern, fixtures_for(world, name))
        if method == "GET":
            response = app.get(url, status="*")
        else:
            response = app.post(url, {"csrf_token": csrf}, status="*")
        if permission in held:
            if method == "GET" and response.status_int != 200:
                wrong.append((name, method, permission, response.status))
        else:
            redirected_to_login = (response.status_int == 303
                                   and "/admin/login" in response.location)
            if response.status_int != 403 and not redirected_to_login:
                wrong.append((name, method, permission, response.status))
            if who in BUILTIN_ROLES and response.status_int != 403:
                wrong.append((name, method, "staff must see 403", response.status))
            elif who in BUILTIN_ROLES and "admin-forbidden" not in response.text:
                wrong.append((name, method, "staff must see the back office's 403 page",
                              response.status))
            if who in ("anonymous", "shopper") and not redirected_to_login:
                wrong.append((name, method, "non-staff must be sent to login", response.status))
    assert wrong == [], "\n".join(map(str, wrong))
