"""The flash-sale buy page (秒杀) and the page a queued buy waits on.

``/flash-sales/<code>/<sku>`` shows the item at its flash price with the shopper's addresses,
the shipping methods and the amount to pay (its "update" button shows new choices without
JavaScript); posting it buys. A buy the burst lane queued goes to its ticket page, which reloads
itself every second (a meta refresh: no script needed) until the order is written, then sends
the shopper to pay; a buy the database lane placed goes to pay at once. A guest is sent to log
in and back, as for the checkout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.presentation.templating import template

BUY_PAGE = template("promotions/flash_buy.jinja2")
TICKET_PAGE = template("promotions/flash_ticket.jinja2")
#: How long a ticket page waits for a Redis that does not answer before it says so.
MAX_WAIT_SECONDS = 60
#: What the page was asked to show.
CHOICES = ("quantity", "address", "shipping_method")


def _buy_page(request: Request, form: Mapping[str, Any], *,
              errors: Mapping[str, Any] | None = None, conflict: Any = None,
              status: int = 200) -> dict[str, Any]:
    """The page for the choices in ``form`` (a choice that cannot be shown falls back to the
    defaults), with the messages of a refused buy."""
    request.response.status_int = status
    translate = request.localizer.translate
    base = {"campaign": request.matchdict["code"], "sku": request.matchdict["sku"]}
    asked = {name: form[name] for name in CHOICES if form.get(name)}
    try:
        offer, view = request.shop.flash_sales.confirm({**base, "quantity": "1", **asked})
    except Invalid as exc:
        errors = {**exc.errors, **(errors or {})}
        offer, view = request.shop.flash_sales.confirm({**base, "quantity": "1"})
    limit = offer.per_customer_limit or 5
    return {"offer": offer, "view": view, "quantities": range(1, min(limit, 5) + 1),
            "errors": {name: translate(message) for name, message in (errors or {}).items()},
            "conflict": translate(conflict) if conflict is not None else None}


@view_config(route_name="flash_buy", request_method="GET", renderer=BUY_PAGE,
             permission=Permission.ACCOUNT_SELF)
def flash_buy_page(request: Request) -> dict[str, Any]:
    return _buy_page(request, request.GET)


@view_config(route_name="flash_buy", request_method="POST", renderer=BUY_PAGE,
             permission=Permission.ACCOUNT_SELF)
def flash_buy(request: Request) -> Any:
    posted = request.POST
    if "update" in posted:
        return _buy_page(request, posted)
    data = {name: posted.get(name, "") for name in (*CHOICES, "idempotency_key")}
    try:
        outcome = request.shop.flash_sales.buy(
            {**data, "campaign": request.matchdict["code"], "sku": request.matchdict["sku"]})
    except Invalid as exc:
        return _buy_page(request, posted, errors=exc.errors, status=400)
    except Conflict as exc:
        return _buy_page(request, posted, conflict=exc.args[0] if exc.args else None,
                         status=409)
    if outcome.order is not None:
        return HTTPSeeOther(location=request.route_path(
            "order_pay", number=outcome.order.number, _query={"done": "placed"}))
    return HTTPSeeOther(location=request.route_path("flash_ticket", key=outcome.ticket))


@view_config(route_name="flash_ticket", request_method="GET", renderer=TICKET_PAGE,
             permission=Permission.ACCOUNT_SELF)
def flash_ticket(request: Request) -> Any:
    found = request.shop.flash_sales.ticket(request.matchdict["key"])
    if found.state == "done":
        return HTTPSeeOther(location=request.route_path(
            "order_pay", number=found.order_number, _query={"done": "placed"}))
    request.response.headers["Cache-Control"] = "no-store"
    waited = request.GET.get("waited", "0")
    waited_seconds = int(waited) if waited.isdigit() and len(waited) < 5 else 0
    # Redis not answering: keep waiting a while (the worker may still write it), then say so.
    state = ("unknown" if found.state == "unconfirmed" and waited_seconds >= MAX_WAIT_SECONDS
             else found.state)
    return {"state": state, "waiting": state in ("queued", "unconfirmed"),
            "again": request.route_path("flash_ticket", key=request.matchdict["key"],
                                        _query={"waited": waited_seconds + 1}),
            "message": (request.localizer.translate(found.message)
                        if found.message is not None else None)}


def includeme(config: Configurator) -> None:
    # Before the buy route: "tickets" would otherwise read as a campaign's code.
    config.add_route("flash_ticket", r"/flash-sales/tickets/{key:[A-Za-z0-9_-]+}")
    config.add_route("flash_buy", r"/flash-sales/{code:[a-z0-9-]+}/{sku}")
