"""The payment page (/orders/{number}/pay: 收银台) of the shopper's own order.

One form commits any of the internal means (a gift card of the account or one typed with its
PIN, points, the balance) and chooses a gateway for what is left. The service answers with
what the browser does next: the order is paid (its page), something is still due (this page
again), or the gateway's step: a redirect, an auto-submitting form (``payments/gateway_form``),
or a code to scan (``payment_code``). Whether the shopper is on a phone is read here from the
User-Agent: the gateways show a phone another page than a desktop.

A refused means is named beside its field and nothing is held (the service holds all or
nothing); a gateway that cannot be reached leaves nothing held either, and the page says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from shop.application import Conflict, Invalid, NotFound, Permission, Throttled
from shop.application.payments.calls import start_payment
from shop.application.payments.gateways.port import GatewayUnavailable, NextStep
from shop.application.payments.service import METHOD_LABELS, PayResult
from shop.presentation.headers import content_security_policy
from shop.presentation.i18n import _
from shop.presentation.storefront.payment_code import keep_code
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

PAGE = template("payments/pay.jinja2")
GATEWAY_FORM = template("payments/gateway_form.jinja2")
#: The form's fields passed to the service as they are (``installments`` goes with its gateway).
FIELDS = ("gift_card", "gift_card_code", "gift_card_pin", "points", "balance", "gateway")
#: The installment plans (分期) the page offers, by the gateway that takes them.
INSTALLMENTS = {"alipay": (0, 3, 6, 12)}
#: What the gift card service names the fields of a typed card, as this form names them.
#: Browsers on phones and tablets, which the gateways send to their mobile pages.
MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone", re.IGNORECASE)
#: The page may send its form to a gateway's page (the answer redirects there): any HTTPS one.
PAGE_CSP = content_security_policy(["https:"])
#: What the page says after a redirect back to it (``?done=...``).
DONE = {
    "placed": _("Your order is placed. Pay it now, or later from your orders before the time "
                "runs out."),
    "held": _("Saved: the means you chose are set aside for this order. Pay what is still due."),
}
#: A tender's state, as the shopper reads it.
TENDER_STATES = {"held": _("Set aside"), "pending": _("Awaiting the payment service"),
                 "captured": _("Paid"), "released": _("Given back"), "failed": _("Failed"),
                 "closed": _("Closed")}
UNAVAILABLE = _("The payment service could not be reached. Nothing was charged: please try "
                "again.")


def device(request: Request) -> str:
    return "mobile" if MOBILE.search(request.user_agent or "") else "desktop"


def _page(request: Request, form: Mapping[str, Any] | None = None, *,
          errors: Mapping[str, Any] | None = None, conflict: Any = None,
          status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    request.response.headers["Content-Security-Policy"] = PAGE_CSP
    translate = request.localizer.translate
    number = request.matchdict["number"]
    options = request.shop.payments.options(number)
    done = DONE.get(request.GET.get("done", "")) if status == 200 else None
    return {
        "order": request.shop.orders.get(number),
        "options": options,
        "gateways": [(name, translate(METHOD_LABELS[name])) for name in options.gateways],
        "installments": INSTALLMENTS,
        "tender_states": {state: translate(label) for state, label in TENDER_STATES.items()},
        "form": echoed({k: v for k, v in (form or {}).items() if k != "gift_card_pin"}),
        "errors": {name: translate(message) for name, message in (errors or {}).items()},
        "conflict": translate(conflict) if conflict is not None else None,
        "notice": translate(done) if done is not None else None,
    }


@view_config(route_name="order_pay", request_method="GET", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def pay_page(request: Request) -> dict[str, Any]:
    return _page(request)


@view_config(route_name="order_pay", request_method="POST", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def pay(request: Request) -> Any:
    number = request.matchdict["number"]
    form = {name: request.POST[name] for name in FIELDS if name in request.POST}
    data = {**form, "device": device(request)}
    if form.get("gateway") in INSTALLMENTS:
        data["installments"] = form["installments"] = request.POST.get("installments", "0")
    try:
        result = request.shop.payments.pay(number, data)
    except Invalid as exc:
        return _page(request, form, errors=exc.errors, status=400)
    except Throttled as exc:
        request.response.headers["Retry-After"] = str(exc.retry_after)
        return _page(request, form, conflict=exc.message, status=429)
    except Conflict as exc:
        return _page(request, form, conflict=exc.args[0] if exc.args else None, status=409)
    return _next(request, number, result)


def _next(request: Request, number: str, result: PayResult) -> Response:
    """Where the browser goes after the service took the form (and committed it)."""
    if result.paid:
        return HTTPSeeOther(location=request.route_path("order", number=number,
                                                        _query={"done": "paid"}))
    if not result.payment_number:  # internal means set aside, more to pay
        return HTTPSeeOther(location=request.route_path("order_pay", number=number,
                                                        _query={"done": "held"}))
    return HTTPSeeOther(location=request.route_path(
        "order_pay_go", number=number, _query={"payment": result.payment_number}))


@view_config(route_name="order_pay_go", request_method="GET", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def go(request: Request) -> Any:
    """On to the gateway: the shop asks it to start the payment now, with no transaction of
    its own open (a slow gateway holds no lock), and sends the browser where it says."""
    number, payment = request.matchdict["number"], request.GET.get("payment", "")
    try:
        gateway, step = start_payment(request.registry.shop, payment, request.shop.actor)
    except NotFound:
        raise HTTPNotFound() from None
    except Conflict as exc:
        return _page(request, conflict=exc.args[0] if exc.args else None, status=409)
    except GatewayUnavailable:
        return _page(request, conflict=UNAVAILABLE, status=503)
    if step.kind == "post_form":
        return _gateway_form(request, number, step)
    if step.kind == "qr":
        response = HTTPSeeOther(location=request.route_path(
            "order_pay_qr", number=number, _query={"payment": payment}))
        keep_code(request, response, number, payment, gateway, step.qr_text)
        return response
    return HTTPSeeOther(location=step.url)


def _gateway_form(request: Request, number: str, step: NextStep) -> Response:
    """A page whose form posts the gateway's signed fields to the gateway at once (a button
    for a browser without JavaScript); its policy lets forms go to that gateway only."""
    response = render_to_response(GATEWAY_FORM, {"number": number, "step": step},
                                  request=request)
    response.headers["Content-Security-Policy"] = content_security_policy([_origin(step.url)])
    return response


def _origin(url: str) -> str:
    """``https://host:port`` of ``url``, as a CSP source."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+",
                                                                 parts.netloc):
        raise ValueError(f"the gateway's form goes to no usable address: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def includeme(config: Configurator) -> None:
    config.add_route("order_pay", r"/orders/{number:[0-9]+}/pay")
    config.add_route("order_pay_go", r"/orders/{number:[0-9]+}/pay/go")
    config.include(".payment_code")
