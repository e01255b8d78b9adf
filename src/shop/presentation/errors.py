"""Application errors become pages here, in one place, in the visitor's language.

An error page must never fail in turn. It is drawn in full (the shop's header, navigation and
footer) when it can be; when that fails too (the database is gone, its transaction failed, the
request is beyond repair) a plain page follows that needs nothing but the message catalogs; and
whatever escapes every view and tween is answered by ``last_resort_tween`` with that plain page
as well, under the security headers like any other response.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import escape
from pyramid.config import Configurator
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPSeeOther
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from shop.application import Conflict, Forbidden, Invalid, NotFound, PastLastPage, Permission
from shop.application.locales import normalize_locale
from shop.presentation.admin.forbidden import admin_forbidden_page, is_back_office
from shop.presentation.i18n import _
from shop.presentation.templating import link_here, template

log = logging.getLogger(__name__)
TEMPLATE = template("errors/error.jinja2")

#: What each status says, translated; a status not listed says what its class (4xx, 5xx) says.
TITLES = {
    400: _("That request could not be understood"),
    403: _("You may not do that"),
    404: _("Page not found"),
    405: _("That page cannot be used this way"),
    409: _("That clashes with a change made meanwhile"),
    413: _("That request is too large"),
    429: _("Too many attempts"),
    500: _("Something went wrong on our side"),
}
CLIENT_ERROR = _("That request could not be handled")

#: How a query-string field is named to the visitor when a page refuses it; a field not listed
#: is not named (its message says enough, and a raw parameter name means nothing to a shopper).
FIELD_LABELS = {
    "page": _("Page"),
    "per_page": _("Products per page"),
    "sort": _("Sort order"),
    "price": _("Price"),
    "brand": _("Brand"),
    "q": _("Search words"),
}

Translate = Callable[[Any], str]


def error_page(request: Request, status: int, messages: Iterable[Any] = (),
               title: Any = None) -> Response:
    """The error page for ``status``: the shop's full page, or the plain one if that fails."""
    locale, translate = _language(request)
    values = {"status": status, "title": translate(title or _title(status)),
              "messages": [translate(message) for message in messages]}
    try:
        response = render_to_response(TEMPLATE, values, request=request)
    except Exception:
        log.exception("the %s page could not be drawn in full; answering with the plain one",
                      status)
        response = _plain(locale, translate, values)
    response.status_int = status
    return response


def plain_error_page(request: Request, status: int) -> Response:
    """The error page drawn from the message catalogs alone: no database, no request data."""
    locale, translate = _language(request)
    response = _plain(locale, translate, {"status": status, "title": translate(_title(status)),
                                          "messages": []})
    response.status_int = status
    return response


def _title(status: int) -> Any:
    return TITLES.get(status) or (TITLES[500] if status >= 500 else CLIENT_ERROR)


def _language(request: Request) -> tuple[str, Translate]:
    """The visitor's language; the shop's configured default when negotiating it fails (it may
    read the base settings from a database that is the very thing failing)."""
    try:
        return request.locale_name, request.localizer.translate
    except Exception:
        locale = normalize_locale(request.registry.settings.get("shop.default_locale"))
        directories = request.registry.queryUtility(ITranslationDirectories, default=[])
        return locale, make_localizer(locale, directories).translate


def _plain(locale: str, translate: Translate, values: Mapping[str, Any]) -> Response:
    messages = "".join(f'<p class="error-message">{escape(m)}</p>' for m in values["messages"])
    body = (
        f'<!doctype html><html lang="{"zh-CN" if locale == "zh_CN" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{values["status"]} · {escape(values["title"])}</title>'
        f'</head><body><main id="error-page" data-status="{values["status"]}">'
        f'<h1>{escape(values["title"])}</h1>{messages}'
        f'<p><a href="/">{escape(translate(_("Back to the home page")))}</a></p>'
        f'</main></body></html>'
    )
    return Response(body, content_type="text/html", charset="utf-8")


@notfound_view_config()
@exception_view_config(NotFound)
def not_found(exc: Exception, request: Request) -> Response:
    return error_page(request, 404)


@exception_view_config(PastLastPage)
def past_last_page(exc: PastLastPage, request: Request) -> Response:
    """Page 8 of 7 shows page 7 (a link outlived products); of an empty listing, nothing."""
    if exc.last is None:
        return error_page(request, 404)
    return HTTPSeeOther(location=link_here(request.path)(exc.last))


@forbidden_view_config()
@exception_view_config(Forbidden)
def forbidden(exc: Exception, request: Request) -> Response:
    # Whoever is not staff is sent from a back-office page to the staff login, and comes back.
    if (request.path.startswith("/admin") and request.actor.kind != "staff"
            and request.registry.introspector.get("routes", "admin_login") is not None):
        return HTTPSeeOther(location=request.route_path(
            "admin_login", _query={"came_from": request.path_qs}))
    # A staff member whose role lacks the page stays in the back office.
    if is_back_office(request) and request.actor.kind == "staff":
        try:
            return admin_forbidden_page(request)
        except Exception:
            log.exception("the back office's 403 page could not be drawn; the shop's instead")
    # An anonymous visitor at a shopper's page is asked to log in, and comes back after.
    missing = getattr(getattr(exc, "result", None), "permission", None)
    if (request.actor.kind == "anonymous" and missing == Permission.ACCOUNT_SELF.value
            and request.registry.introspector.get("routes", "login") is not None):
        return HTTPSeeOther(location=request.route_path(
            "login", _query={"came_from": request.path_qs}))
    return error_page(request, 403)


@exception_view_config(Invalid)
def invalid(exc: Invalid, request: Request) -> Response:
    """Bad input that reached a page (forms handle their own): 400, naming each field."""
    translate = _language(request)[1]
    return error_page(request, 400, [
        _("${field}: ${message}", mapping={"field": translate(FIELD_LABELS[field]),
                                           "message": translate(message)})
        if field in FIELD_LABELS else message
        for field, message in exc.errors.items()])


@exception_view_config(Conflict)
def conflict(exc: Conflict, request: Request) -> Response:
    # Services raise conflicts with a translation string for the person who caused them.
    return error_page(request, 409, exc.args[:1])


@exception_view_config(BadCSRFToken)
@exception_view_config(BadCSRFOrigin)
def stale_form(exc: HTTPException, request: Request) -> Response:
    return error_page(request, 400, [
        _("This form has expired or was sent from another site. Reload the page and try again.")])


@exception_view_config(HTTPException)
def http_error(exc: HTTPException, request: Request) -> Response:
    """Redirects pass; any other status gets its page (WebOb's English text is not shown)."""
    if exc.code < 400:
        return exc
    return error_page(request, exc.code)


@exception_view_config(Exception)
def server_error(exc: Exception, request: Request) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.environ.get("PATH_INFO"))
    return error_page(request, 500)


def last_resort_tween(handler: Callable[[Request], Response], registry: Any
                      ) -> Callable[[Request], Response]:
    """Whatever escaped the exception views (a failed commit whose page failed too) becomes the
    plain 500 page here, inside the security-headers tween, instead of the server's bare one."""
    def tween(request: Request) -> Response:
        try:
            return handler(request)
        except Exception as exc:
            log.exception("error escaped every exception view on %s %s", request.method,
                          request.environ.get("PATH_INFO"))
            # pyramid_retry reads these to retry a request that failed on a conflict.
            request.exception, request.exc_info = exc, sys.exc_info()
            return plain_error_page(request, 500)
    return tween


def includeme(config: Configurator) -> None:
    """The exception views are found by ``config.scan``; the last resort wraps the transaction."""
    config.add_tween("shop.presentation.errors.last_resort_tween",
                     under="shop.presentation.headers.security_headers_tween",
                     over="pyramid_tm.tm_tween_factory")
