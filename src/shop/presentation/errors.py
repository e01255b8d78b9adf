"""Application errors become pages here, in one place."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from shop.application import Conflict, Forbidden, Invalid, NotFound, Permission
from shop.presentation.i18n import _
from shop.presentation.templating import template

log = logging.getLogger(__name__)
TEMPLATE = template("errors/error.jinja2")


def _page(request: Request, status: int, title: str, messages: list[str] | None = None) -> dict:
    request.response.status_int = status
    return {"status": status, "title": title, "messages": messages or []}


@notfound_view_config(renderer=TEMPLATE)
@exception_view_config(NotFound, renderer=TEMPLATE)
def not_found(exc: Exception, request: Request) -> dict:
    return _page(request, 404, _("Page not found"))


@forbidden_view_config(renderer=TEMPLATE)
@exception_view_config(Forbidden, renderer=TEMPLATE)
def forbidden(exc: Exception, request: Request) -> HTTPSeeOther | dict:
    # Whoever is not staff is sent from a back-office page to the staff login, and comes back.
    if (request.path.startswith("/admin") and request.actor.kind != "staff"
            and request.registry.introspector.get("routes", "admin_login") is not None):
        return HTTPSeeOther(location=request.route_path(
            "admin_login", _query={"came_from": request.path_qs}))
    # An anonymous visitor at a shopper's page is asked to log in, and comes back after.
    missing = getattr(getattr(exc, "result", None), "permission", None)
    if (request.actor.kind == "anonymous" and missing == Permission.ACCOUNT_SELF.value
            and request.registry.introspector.get("routes", "login") is not None):
        return HTTPSeeOther(location=request.route_path(
            "login", _query={"came_from": request.path_qs}))
    return _page(request, 403, _("You may not do that"))


@exception_view_config(Invalid, renderer=TEMPLATE)
def invalid(exc: Invalid, request: Request) -> dict:
    """Bad input that reached a page (forms handle their own): 400, naming each field."""
    translate = request.localizer.translate
    return _page(request, 400, _("That request could not be understood"),
                 [f"{field}: {translate(message)}" for field, message in exc.errors.items()])


@exception_view_config(Conflict, renderer=TEMPLATE)
def conflict(exc: Conflict, request: Request) -> dict:
    return _page(request, 409, _("That clashes with a change made meanwhile"), [str(exc)])


@exception_view_config(HTTPException, renderer=TEMPLATE)
def http_error(exc: HTTPException, request: Request) -> HTTPException | dict:
    if exc.code < 400 or isinstance(exc, HTTPNotFound | HTTPForbidden):
        return exc
    return _page(request, exc.code, exc.title, [exc.detail] if exc.detail else [])


@exception_view_config(Exception, renderer=TEMPLATE)
def server_error(exc: Exception, request: Request) -> dict:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _page(request, 500, _("Something went wrong on our side"))


def includeme(config: object) -> None:
    """Exception views are found by ``config.scan``; nothing else to wire."""
