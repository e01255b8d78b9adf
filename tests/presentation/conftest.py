"""The real WSGI app around the test's rolled-back connection, driven by WebTest."""

from __future__ import annotations

from pathlib import Path

import pytest
import webtest

from shop.presentation import make_app
from tests.fakes.oidc_provider import FakeProvider, serving
from tests.presentation.hostile import Visitors
from tests.presentation.oauth_flow import reset

HERE = Path(__file__).resolve().parent
#: Page tests that run on PostgreSQL too: where money moves, requests race, a job runs beside
#: the pages or a page's statements are counted. The other pages run on SQLite alone: the
#: application tests under them run on both databases, and every page twice would cost
#: ``make test`` its 20-minute budget.
ON_POSTGRESQL = frozenset({
    "test_cart_pages", "test_checkout_pages", "test_checkout_served", "test_coupon_admin_pages",
    "test_flash_sale_pages", "test_jobs_in_process", "test_order_admin_pages",
    "test_order_center_pages", "test_payment_pages", "test_payments_admin_pages",
    "test_query_counts", "test_rewards_pages", "test_rma_pages", "test_wallet_pages",
    "test_writing_requests",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent == HERE and item.path.stem not in ON_POSTGRESQL:
            item.add_marker(pytest.mark.sqlite_pages)


#: A shopper's browser: a visitor address (throttling counts per IP) and English pages.
VISITOR = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "203.0.113.9",
           "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def wsgi_app(shop, settings):
    return make_app(settings, shop=shop)


@pytest.fixture
def app(wsgi_app):
    return webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost"})


@pytest.fixture
def web(wsgi_app):
    return webtest.TestApp(wsgi_app, extra_environ=VISITOR)


def another_browser(web: webtest.TestApp) -> webtest.TestApp:
    """A second visitor on the same app, with no cookies of the first."""
    return webtest.TestApp(web.app, extra_environ=VISITOR)


@pytest.fixture(scope="module")
def served():
    """The fake OpenID provider, served for a module's tests."""
    with serving(FakeProvider()) as fake:
        yield fake


@pytest.fixture
def fake(served):
    return reset(served)


@pytest.fixture
def visitors(shop, system):
    """Login sessions on demand for hostile requests (``tests.presentation.hostile``)."""
    return Visitors(shop, system)
