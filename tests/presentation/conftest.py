"""The real WSGI app around the test's rolled-back connection, driven by WebTest."""

from __future__ import annotations

import pytest
import webtest

from shop.presentation import make_app
from tests.fakes.oidc_provider import FakeProvider, serving
from tests.presentation.hostile import Visitors
from tests.presentation.oauth_flow import reset

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
