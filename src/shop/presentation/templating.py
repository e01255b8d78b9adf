"""What every template may use: prices, the CSRF token, the header's navigation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyramid.config import Configurator
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber

from shop.application.locales import LOCALES
from shop.application.money import format_cny

LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}


def price_filter(amount: Decimal | None) -> str:
    return "" if amount is None else format_cny(amount)


@subscriber(BeforeRender)
def template_globals(event: BeforeRender) -> None:
    request = event.get("request")
    if request is None:
        return
    event.setdefault("csrf_token", lambda: get_csrf_token(request))
    event.setdefault("locales", [(code, LANGUAGE_NAMES[code]) for code in LOCALES])
    event.setdefault("has_route", lambda name: request.registry.introspector.get(
        "routes", name) is not None)
    event.setdefault("navigation", lambda: _navigation(request))


def _navigation(request: Any) -> Any:
    """The header's top categories, read once per request."""
    if not hasattr(request, "_shop_navigation"):
        request._shop_navigation = request.shop.catalog.navigation()
    return request._shop_navigation


def includeme(config: Configurator) -> None:
    config.scan(__name__)
