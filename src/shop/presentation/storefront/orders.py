"""The order center (/orders: 订单中心) and an order's page (/orders/{number}), with the forms
that cancel it, change where it goes, and confirm its receipt.

Each form is a POST (with the CSRF token) that redirects back to the order with ``done`` naming
what happened, so the page says so; a refusal shows the order again with the message. Orders are
looked up among the shopper's own: another's number is not found (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.application.ordering import payment_methods, states
from shop.application.ordering.schemas import MAX_REMARKS
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

ORDER_PAGE = template("ordering/order.jinja2")
#: What an order's page says after a form's redirect (``?done=...``).
DONE = {
    "placed": _("Your order is placed."),
    "paid": _("Thank you: the order is paid."),
    "cancelled": _("The order is cancelled."),
    "changed": _("The delivery details are changed."),
    "received": _("Thank you: the order is completed."),
}
#: The order may be received (确认收货) once it is on its way.
RECEIVABLE = frozenset({states.SHIPPED, states.DELIVERED})


@view_config(route_name="orders", request_method="GET",
             renderer=template("ordering/orders.jinja2"), permission=Permission.ACCOUNT_SELF)
def orders(request: Request) -> dict[str, Any]:
    """One page of a tab, newest first; an unknown tab or ``before`` is not found."""
    before = request.GET.get("before") or None
    return {"page": request.shop.orders.page(request.GET.get("tab", "all"), before)}


def _order_page(request: Request, *, errors: dict[str, Any] | None = None,
                conflict: Any = None, form: dict[str, Any] | None = None,
                status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    translate = request.localizer.translate
    order = request.shop.orders.get(request.matchdict["number"])
    done = DONE.get(request.GET.get("done", "")) if status == 200 else None
    return {
        "order": order,
        # The book to send it elsewhere: read only while it may still change.
        "addresses": request.shop.addresses.list() if order.can_change else (),
        "receivable": order.state in RECEIVABLE,
        "payment_label": translate(payment_methods.LABELS[order.payment_method]),
        "notice": translate(done) if done is not None else None,
        "errors": {name: translate(message) for name, message in (errors or {}).items()},
        "conflict": translate(conflict) if conflict is not None else None,
        "form": echoed(form or {}),
        "max_remarks": MAX_REMARKS,
    }


@view_config(route_name="order", request_method="GET", renderer=ORDER_PAGE,
             permission=Permission.ACCOUNT_SELF)
def order(request: Request) -> dict[str, Any]:
    return _order_page(request)


def _change(request: Request, change: Callable[[str], None], done: str,
            form: dict[str, Any]) -> Any:
    """Run ``change`` on the order; back to it with ``done``, or the page with the refusal."""
    number = request.matchdict["number"]
    try:
        change(number)
    except Invalid as exc:
        return _order_page(request, errors=exc.errors, form=form, status=400)
    except Conflict as exc:
        return _order_page(request, conflict=exc.args[0] if exc.args else None, form=form,
                           status=409)
    return HTTPSeeOther(location=request.route_path("order", number=number,
                                                    _query={"done": done}))


@view_config(route_name="order_cancel", request_method="POST", renderer=ORDER_PAGE,
             permission=Permission.ACCOUNT_SELF)
def cancel(request: Request) -> Any:
    form = {"reason": request.POST.get("reason", "")}
    return _change(request, lambda number: request.shop.orders.cancel(number, form),
                   "cancelled", form)


@view_config(route_name="order_delivery", request_method="POST", renderer=ORDER_PAGE,
             permission=Permission.ACCOUNT_SELF)
def change_delivery(request: Request) -> Any:
    form = {"address": request.POST.get("address", ""),
            "remarks": request.POST.get("remarks", "")}
    return _change(request, lambda number: request.shop.orders.change_delivery(number, form),
                   "changed", form)


@view_config(route_name="order_receipt", request_method="POST", renderer=ORDER_PAGE,
             permission=Permission.ACCOUNT_SELF)
def confirm_receipt(request: Request) -> Any:
    return _change(request, request.shop.orders.confirm_receipt, "received", {})


def includeme(config: Configurator) -> None:
    config.add_route("orders", "/orders")
    config.add_route("order", r"/orders/{number:[0-9]+}")
    config.add_route("order_cancel", r"/orders/{number:[0-9]+}/cancel")
    config.add_route("order_delivery", r"/orders/{number:[0-9]+}/delivery")
    config.add_route("order_receipt", r"/orders/{number:[0-9]+}/receipt")
