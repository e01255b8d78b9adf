"""Counting storefront visitors (访客数) without a write per page view.

After a storefront page is drawn for a GET, the visitor cookie is handed to ``uow.visits``: a
cookie naming today costs nothing more; otherwise the visitor is counted in memory and the
cookie is renewed. After the response is sent, the process adds its counts to the database
when they are due (``Shop.flush_visits``), in a short transaction of its own: a page view never
waits for that write, and never takes a write lock (a GET's own transaction stays read-only).

Not counted: the back office, static files, anything but a 200 HTML page, a page a shared
cache may keep (a cookie must not ride along in it), and clients that say they are robots.
"""

from __future__ import annotations

import re

from pyramid.config import Configurator
from pyramid.events import NewResponse
from pyramid.request import Request

from shop.presentation.request import client_ip
from shop.presentation.sessions import keep_private_cookie, private_cookie_name

COOKIE = "shop_visitor"
#: The cookie outlives a year, so a visitor who returns within one is not counted as new.
COOKIE_MAX_AGE = 400 * 24 * 3600
ROBOTS = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-requests",
                    re.IGNORECASE)
NOT_STOREFRONT = ("/admin", "/static", "/deform")


def counts_as_visit(request: Request, response: object) -> bool:
    path = request.path
    route = request.matched_route
    return (request.method == "GET" and getattr(response, "status_int", 0) == 200
            and getattr(response, "content_type", None) == "text/html"
            and route is not None and not route.name.startswith("__")
            and not path.startswith(NOT_STOREFRONT)
            and not response.cache_control.public  # type: ignore[attr-defined]
            and not ROBOTS.search(request.user_agent or ""))


def count_visit(event: NewResponse) -> None:
    request, response = event.request, event.response
    if not counts_as_visit(request, response):
        return
    request.add_finished_callback(_flush)  # cheap unless due: see ``VisitTally.due``
    cookie = request.cookies.get(private_cookie_name(request, COOKIE))
    renewed = request.shop.visits.note(
        cookie, browser=f"{client_ip(request)}|{request.user_agent or ''}")
    if renewed is None:
        return
    keep_private_cookie(request, response, COOKIE, renewed, COOKIE_MAX_AGE)


def _flush(request: Request) -> None:
    request.registry.shop.flush_visits()


def includeme(config: Configurator) -> None:
    config.add_subscriber(count_visit, NewResponse)
