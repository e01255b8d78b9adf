"""Every state-changing route refuses a request without a CSRF token.

The routes are found through Pyramid's introspection, so a route added later is walked without
anyone writing a test. Each unsafe view is posted to, without a token, by a visitor who holds
its permission (an administrator, a shopper, or anyone for public views): the answer must be
400 before the view runs. Views exempt from CSRF are listed by name in ``EXEMPT``: the payment
gateways' callbacks, which the service verifies by the gateway's signature instead (the
gateway's servers, or its page in the shopper's browser, send them).
"""

from __future__ import annotations

import pytest

from shop.application.actors import Permission
from shop.presentation.security import PUBLIC
from tests import staff_factories as sf
from tests.presentation.hostile import url_for

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
EXEMPT = frozenset({"payment_notify", "payment_return"})


def unsafe_views(wsgi_app):
    """(route name, pattern, method, permission, require_csrf) of every view that may write."""
    introspector = wsgi_app.registry.introspector
    found = []
    for route in introspector.get_category("routes"):
        if route["introspectable"]["name"].startswith("__"):
            continue  # static asset views: read-only by construction
        for related in route["related"]:
            if related.category_name != "views":
                continue
            methods = related["request_methods"] or UNSAFE
            methods = (methods,) if isinstance(methods, str) else methods
            permission = next((r["value"] for r in introspector.related(related)
                               if r.category_name == "permissions"), None)
            for method in set(methods) & set(UNSAFE):
                found.append((route["introspectable"]["name"], route["introspectable"]["pattern"],
                              method, permission, related["require_csrf"]))
    return found


def test_the_walk_covers_the_forms(wsgi_app):
    names = {name for name, *_ in unsafe_views(wsgi_app)}
    assert {"set_locale", "admin_login", "admin_settings"} <= names
    assert any(name.startswith("account") for name in names)
    assert any(name.startswith("address") for name in names)


def test_no_view_is_exempt_unless_listed(wsgi_app):
    exempt = {name for name, _, _, _, require in unsafe_views(wsgi_app) if require is False}
    assert exempt == EXEMPT


@pytest.fixture
def visitors(system):
    admin = sf.staff(system, ["administrator"], username="csrf_admin")
    return {"staff": admin.id, "customer": sf.customer(system)}


@pytest.mark.parametrize("kind", ["anonymous", "staff", "customer"])
def test_unsafe_requests_without_a_token_are_refused(app, wsgi_app, system, visitors, kind):
    if kind != "anonymous":
        sf.cookie(app, system, kind, visitors[kind])
    holds = {
        "anonymous": lambda p: p == PUBLIC,
        "staff": lambda p: p not in (PUBLIC, Permission.ACCOUNT_SELF.value),
        "customer": lambda p: p == Permission.ACCOUNT_SELF.value,
    }[kind]
    let_through = []
    for name, pattern, method, permission, _ in unsafe_views(wsgi_app):
        if name in EXEMPT:
            continue
        response = app.request(url_for(pattern), method=method, expect_errors=True,
                               headers={"Content-Type": "application/x-www-form-urlencoded"},
                               body=b"name=x&password=y&locale=en")
        allowed = holds(permission)
        # Holding the permission, only CSRF stands in the way: 400. Otherwise the refusal may
        # come first as 403 or a redirect to a login page; a success is never acceptable.
        if (allowed and response.status_int != 400) or (not allowed and not (
                response.status_int in (400, 403, 404)
                or (response.status_int == 303 and "login" in response.location))):
            let_through.append((name, method, response.status_int))
    assert let_through == []
