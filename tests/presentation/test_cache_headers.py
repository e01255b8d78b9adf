"""No cache keeps a page that may show personal data, walked over every route.

The rule (``shop.presentation.headers``): every answer under /account, /admin and /oauth, and
every answer to a signed-in visitor, says ``Cache-Control: no-store``, unless its view declared
it shareable (static assets, the region table), which public data only does.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.presentation import hostile

PERSONAL = ("/account", "/admin", "/oauth")


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc")}


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def declared_shareable(response) -> bool:
    return response.cache_control.public or response.cache_control.max_age is not None


@pytest.mark.parametrize("kind", hostile.Visitors.KINDS)
def test_personal_answers_are_never_stored(wsgi_app, system, visitors, kind):
    factories.small_catalog(system, products=2)
    stored = []
    for name, pattern, method, _ in hostile.walked_views(wsgi_app):
        path = hostile.path_with(pattern)
        response = hostile.send(wsgi_app, method, path, session=visitors.session(kind))
        personal = path.startswith(PERSONAL) or kind != "anonymous"
        if personal and not no_store(response) and not (
                declared_shareable(response) and not path.startswith(PERSONAL)):
            stored.append((name, method, response.status_int,
                           response.headers.get("Cache-Control")))
    assert stored == []


def test_an_anonymous_storefront_page_is_not_marked(app, system):
    factories.small_catalog(system, products=2)
    assert "Cache-Control" not in app.get("/c/clothes").headers


def test_a_signed_in_shoppers_storefront_page_is_not_stored(app, system, visitors):
    factories.small_catalog(system, products=2)
    app.set_cookie("shop_session", visitors.session("shopper"))
    assert app.get("/c/clothes").headers["Cache-Control"] == "no-store"


def test_static_assets_stay_cacheable_for_signed_in_visitors(app, visitors):
    app.set_cookie("shop_session", visitors.session("shopper"))
    asset = app.get("/static/shop.css")
    assert asset.cache_control.max_age == 3600 and not asset.cache_control.no_store


def test_the_region_table_is_public_for_a_day(app):
    response = app.get("/regions/440000")
    assert response.headers["Cache-Control"] in ("public, max-age=86400",
                                                 "max-age=86400, public")
