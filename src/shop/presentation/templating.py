"""What every template may use: prices, the CSRF token, the header's navigation, times on the
shop's clock, a coupon's terms in words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from pyramid.config import Configurator
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber
from pyramid.threadlocal import get_current_request
from translationstring import TranslationString

from shop.application.locales import LOCALES, pick
from shop.application.money import format_cny
from shop.application.promotions.coupon_views import Terms
from shop.application.promotions.tags import coupon_label
from shop.presentation.i18n import _

LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}


def template(name: str) -> str:
    """The asset spec of a template under ``shop.presentation:templates``, for a renderer.

    Given a bare name, pyramid_jinja2 first looks the template up relative to the view's own
    package, fails (an exception and three stat calls on every render) and only then searches;
    a spec is found at once and cached.
    """
    return f"shop.presentation:templates/{name}"


def price_filter(amount: Decimal | None) -> str:
    return "" if amount is None else format_cny(amount)


def translated(value: Any) -> Any:
    """Jinja2's ``finalize``: a translation string a template prints as it is (a state's or a
    kind's label from a read model) comes out in the visitor's language, never as its English
    msgid."""
    if isinstance(value, TranslationString):
        request = get_current_request()
        if request is not None:
            return request.localizer.translate(value)
        return value.interpolate()
    return value


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
    event.setdefault("here", link_here(request.path))
    event.setdefault("shop_name", lambda: shop_name(request))
    event.setdefault("local_time", lambda moment: local_time(request, moment))
    event.setdefault("translate", lambda message: request.localizer.translate(message)
                     if message is not None else "")
    event.setdefault("coupon_terms", lambda terms: coupon_terms(request, terms))


def link_here(path: str) -> Callable[[Iterable[tuple[str, str]]], str]:
    """``here(params)``: this page's path with ``params`` as its query string.

    A listing page links to itself with another query string some 100-200 times; building each
    link from the path read once and ``urlencode`` costs a fraction of a route lookup each.
    The result is a plain string, so autoescape still escapes it in an attribute.
    """
    def here(params: Iterable[tuple[str, str]] = ()) -> str:
        query = urlencode(list(params))
        return f"{path}?{query}" if query else path
    return here


def _navigation(request: Any) -> Any:
    """The header's top categories, read once per request."""
    if not hasattr(request, "_shop_navigation"):
        request._shop_navigation = request.shop.catalog.navigation()
    return request._shop_navigation


def shop_name(request: Any) -> str:
    """The shop's name from the base settings in the visitor's language, else "Shop" translated."""
    configured = request.shop.settings.current().shop_name(request.locale_name)
    return configured or request.localizer.translate(_("Shop"))


def local_time(request: Any, moment: datetime | None) -> str:
    """``moment`` on the shop's clock face (its time zone from the base settings), to the
    minute: shoppers and staff read the same time as the shop's staff in 北京 would."""
    if moment is None:
        return ""
    zone = request.shop.settings.current().zone
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class CouponTerms:
    """A coupon as the coupon center, 我的优惠券 and a product page print it."""

    name: str
    #: "¥20 off", "15% off, at most ¥50", "Free shipping": translated.
    label: str
    min_spend: Decimal


def coupon_terms(request: Any, terms: Terms) -> CouponTerms:
    return CouponTerms(pick(request.locale_name, terms.name_zh, terms.name_en),
                       request.localizer.translate(coupon_label(
                           terms.kind, terms.amount, terms.percent, terms.cap)),
                       terms.min_spend)


def includeme(config: Configurator) -> None:
    config.scan(__name__)
