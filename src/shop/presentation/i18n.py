"""Language: zh_CN and en catalogs, chosen by the visitor and remembered in a cookie."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.i18n import TranslationStringFactory
from pyramid.request import Request
from pyramid.view import view_config

from shop.application.locales import LOCALES, normalize_locale
from shop.presentation.untrusted import safe_path

_ = TranslationStringFactory("shop")
LOCALE_COOKIE = "shop_locale"
ONE_YEAR = 365 * 24 * 3600


def negotiate_locale(request: Request) -> str:
    """The visitor's choice, else the browser's preference, else the shop's default: the base
    settings', which staff change in the back office (the ini file's until they do)."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in LOCALES:
        return chosen
    offered = request.accept_language.lookup(["zh-CN", "zh", "en"], default="")
    if offered:
        return normalize_locale(offered)
    return request.shop.settings.current().default_locale


@view_config(route_name="set_locale", request_method="POST", permission="public")
def set_locale(request: Request) -> HTTPSeeOther:
    """Remember the chosen language and go back to the page the visitor was on."""
    locale = request.POST.get("locale")
    # Only ever back into this shop: no open redirect, no header split.
    response = HTTPSeeOther(location=safe_path(request.POST.get("came_from")))
    if locale in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=ONE_YEAR, httponly=True,
                            samesite="Lax", secure=request.scheme == "https")
    return response


def includeme(config: Configurator) -> None:
    config.add_translation_dirs("shop.presentation:locale")
    config.set_locale_negotiator(negotiate_locale)
    config.add_route("set_locale", "/locale")
