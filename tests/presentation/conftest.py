"""The real WSGI app around the test's rolled-back connection, driven by WebTest."""

from __future__ import annotations

import pytest
import webtest

from shop.presentation import make_app


@pytest.fixture
def wsgi_app(shop, settings):
    return make_app(settings, shop=shop)


@pytest.fixture
def app(wsgi_app):
    return webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost"})
