"""Application errors become pages here, in one place."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound
from pyramid.request import Request
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from shop.application import Conflict, Forbidden, Invalid, NotFound
from shop.presentation.i18n import _

log = logging.getLogger(__name__)
TEMPLATE = "errors/error.jinja2"


def _page(request: Request, status: int, title: str, messages: list[str] | None = None) -> dict:
    request.response.status_int = status
    return {"status": status, "title": title, "messages": messages or []}


@notfound_view_config(renderer=TEMPLATE)
@exception_view_config(NotFound, renderer=TEMPLATE)
def not_found(exc: Exception, request: Request) -> dict:
    return _page(request, 404, _("Page not found"))


@forbidden_view_config(renderer=TEMPLATE)
@exception_view_config(Forbidden, renderer=TEMPLATE)
def forbidden(exc: Exception, request: Request) -> dict:
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
