"""The code a gateway asks the shopper to scan (WeChat Pay Native's ``code_url``), and the
payment status its page polls.

Paying answers with a redirect to ``/orders/{number}/pay/qr?payment=P``, so that a reload shows
the code again and never pays again. The code's text is not put in that URL, where logs and
other sites' ``Referer`` would see it: the redirect leaves it in a cookie signed with the
shopper's login-session token, which only the server and that browser know. A cookie planted
by anyone else (a sibling domain, say) is not shown as a code to pay, and no other browser of
the shopper's ever shows it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import segno
from markupsafe import Markup
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from shop.application import Permission
from shop.application.payments.service import METHOD_LABELS
from shop.presentation.i18n import _
from shop.presentation.sessions import keep_private_cookie, private_cookie_name, session_token
from shop.presentation.templating import template
from shop.simulators.mount import scan_page

COOKIE = "shop_pay_code"
#: WeChat Pay's Native code is valid for two hours.
MAX_AGE = 2 * 3600
#: Size of one module of the code in the page, in CSS pixels.
SCALE = 5


@dataclass(frozen=True)
class KeptCode:
    gateway: str
    text: str


def keep_code(request: Request, response: Response, number: str, payment: str, gateway: str,
              text: str) -> None:
    """Leave the code of ``payment`` (of order ``number``) for the QR page to show."""
    value = base64.urlsafe_b64encode(json.dumps([number, payment, gateway, text]).encode())
    keep_private_cookie(request, response, COOKIE,
                        f"{value.decode()}.{_signature(request, value)}", MAX_AGE)


def kept_code(request: Request, number: str, payment: str) -> KeptCode | None:
    """The code kept for ``payment`` of order ``number`` by this browser, if any."""
    value, _dot, signature = request.cookies.get(private_cookie_name(request, COOKIE),
                                                 "").partition(".")
    expected = _signature(request, value.encode())
    if not expected or not hmac.compare_digest(signature, expected):
        return None
    try:
        kept = json.loads(base64.urlsafe_b64decode(value))
    except (binascii.Error, ValueError):
        return None
    if kept[:2] != [number, payment]:
        return None
    return KeptCode(kept[2], kept[3])


def _signature(request: Request, value: bytes) -> str:
    token = session_token(request)
    return hmac.new(token.encode(), value, hashlib.sha256).hexdigest() if token else ""


@view_config(route_name="order_pay_qr", request_method="GET",
             renderer=template("payments/qr.jinja2"), permission=Permission.ACCOUNT_SELF)
def qr_page(request: Request) -> Any:
    """The code to scan, until the order is paid; then its page. ``checked`` says the shopper
    pressed "I have paid" (without JavaScript nothing polls)."""
    number = request.matchdict["number"]
    status = request.shop.payments.status(number)
    if status.paid:
        return HTTPSeeOther(location=request.route_path("order", number=number,
                                                        _query={"done": "paid"}))
    code = kept_code(request, number, request.GET.get("payment", ""))
    return {
        "number": number,
        "status": status,
        "code": code,
        "gateway_label": request.localizer.translate(METHOD_LABELS[code.gateway])
        if code and code.gateway in METHOD_LABELS else "",
        # segno escapes the title; the code's text becomes modules, never markup.
        "svg": Markup(segno.make(code.text, error="m").svg_inline(  # noqa: S704
            scale=SCALE, light="#fff", title=request.localizer.translate(_("Payment code"))))
        if code else None,
        "checked": "checked" in request.GET,
        # Development (make run): no phone scans this code, the WeChat Pay simulator's does.
        "simulator_scan": scan_page(request.registry.settings, code.gateway, code.text)
        if code else None,
    }


@view_config(route_name="order_pay_status", request_method="GET", renderer="json",
             permission=Permission.ACCOUNT_SELF)
def payment_status(request: Request) -> dict[str, Any]:
    """What the QR page polls: ``{"paid": false, "state": "awaiting_payment", "due": "12.30"}``."""
    status = request.shop.payments.status(request.matchdict["number"])
    return {"paid": status.paid, "state": status.state, "due": f"{status.due:.2f}"}


def includeme(config: Configurator) -> None:
    config.add_route("order_pay_qr", r"/orders/{number:[0-9]+}/pay/qr")
    config.add_route("order_pay_status", r"/orders/{number:[0-9]+}/pay/status")
