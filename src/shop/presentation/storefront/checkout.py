"""The checkout page (/checkout): 订单确认 and 订单提交, for a signed-in shopper.

One form places the order: the address, shipping and payment methods chosen as radios, the
invoice fields (``invoicing/_invoice_fields.jinja2``), the remarks, and two hidden fields: the
idempotency key (a double-click places one order) and the payable the shopper saw (the order is
refused if it changed). Its "update" button posts the same form back to be shown with the new
choices' fees and amounts, so that nothing typed is lost; ``static/checkout.js`` presses it as
soon as a choice changes. The coupon is one of those choices: a select of the shopper's coupons
(the one that saves most preselected) and a code typed in, applied by the same "update"; the
order is placed with the coupon or code the page was priced with, and a coupon or code that
cannot be used is named at its field while the page shows the price without it.

A new address has a form of its own (/checkout/address), which comes back to the checkout with
that address chosen.

An order to pay online is then shown on its payment page (收银台), one paid on delivery on its
own page.

A guest is sent to the login page and back (the forbidden view does that for any page that
needs ``account:self``); the guest's cart was merged into theirs at login.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.application.ordering.read_models import CheckoutView
from shop.application.ordering.schemas import MAX_REMARKS
from shop.presentation.storefront.addresses import address_form_context, posted_address
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

PAGE = template("ordering/checkout.jinja2")
#: What the page was asked to show: the choices of its radios, its coupon select and code.
CHOICES = ("address", "shipping_method", "payment_method", "coupon", "coupon_code")
#: The choices a page may be shown without when they cannot be used, each named at its field.
COUPON_FIELDS = ("coupon", "coupon_code")
#: The rest of the place-order form (the invoice's fields go in a mapping of their own).
ORDER_FIELDS = (*CHOICES, "idempotency_key", "remarks", "expected_payable")
#: The fields of ``invoicing/_invoice_fields.jinja2``, posted as ``place(data)["invoice"]``.
INVOICE_FIELDS = ("kind", "title_kind", "title", "tax_code", "bank_name", "bank_account",
                  "company_address", "company_phone", "saved_title", "remember")


def _picked(params: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: params[name] for name in names if name in params}


def _prepare(request: Request,
             choices: Mapping[str, Any]) -> tuple[CheckoutView, dict[str, Any]]:
    """The checkout with ``choices``, and the messages of the coupon choices it could not use.
    A coupon or code that cannot be used is left out and named (a code refused, the select
    still counts); choices that cannot be choices at all give the defaults (a choice that is
    simply not the shopper's, or no longer offered, falls back by itself)."""
    asked = dict(choices)
    refused: dict[str, Any] = {}
    for _attempt in COUPON_FIELDS:  # each try leaves out at least one more of them
        try:
            return request.shop.checkout.prepare(asked), refused
        except Invalid as exc:
            named = {name: message for name, message in exc.errors.items()
                     if name in COUPON_FIELDS and name in asked}
            if not named:
                break
            refused.update(named)
            asked = {name: value for name, value in asked.items() if name not in named}
    try:
        return request.shop.checkout.prepare(asked), refused
    except Invalid:
        return request.shop.checkout.prepare({}), refused


def _page(request: Request, form: Mapping[str, Any], *, errors: Mapping[str, Any] | None = None,
          conflict: Any = None, address: tuple[dict[str, Any], dict[str, Any]] | None = None,
          status: int = 200) -> dict[str, Any]:
    """The page for the choices in ``form`` (a query string or the posted form, shown back),
    with the messages of a refused order or a refused new address."""
    request.response.status_int = status
    translate = request.localizer.translate
    address_values, address_errors = address or ({}, {})
    view, refused = _prepare(request, _picked(form, CHOICES))
    messages = {name: translate(message)
                for name, message in {**refused, **(errors or {})}.items()}
    return {
        "view": view,
        "coupon_code": echoed({"coupon_code": form.get("coupon_code", "")})["coupon_code"],
        "errors": {k: v for k, v in messages.items() if k not in INVOICE_FIELDS},
        "conflict": translate(conflict) if conflict is not None else None,
        "remarks": echoed({"remarks": form.get("remarks", "")})["remarks"],
        "max_remarks": MAX_REMARKS,
        "invoice": echoed(_picked(form, INVOICE_FIELDS)),
        "invoice_errors": {k: v for k, v in messages.items() if k in INVOICE_FIELDS},
        "titles": request.shop.invoices.titles(),
        "new_address": address_form_context(request, address_values, address_errors),
        # The new-address form starts open when it is the only way on, or was just used.
        "new_address_open": address is not None or not view.addresses,
    }


@view_config(route_name="checkout", request_method="GET", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def checkout(request: Request) -> dict[str, Any]:
    return _page(request, request.GET)


@view_config(route_name="checkout", request_method="POST", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def place(request: Request) -> Any:
    """Place the order and show it; or the page again, everything as posted, with what must
    change: each bad field's message beside it, a conflict (sold out, a new amount) on top."""
    posted = request.POST
    if "update" in posted:
        return _page(request, posted)
    data: dict[str, Any] = _picked(posted, ORDER_FIELDS)
    invoice = _picked(posted, INVOICE_FIELDS)
    if invoice:
        data["invoice"] = invoice
    try:
        placed = request.shop.checkout.place(data)
    except Invalid as exc:
        return _page(request, posted, errors=exc.errors, status=400)
    except Conflict as exc:
        return _page(request, posted, conflict=exc.args[0] if exc.args else None, status=409)
    # An order to pay now goes to its payment page (收银台); one paid on delivery to its page.
    return HTTPSeeOther(location=request.route_path(
        "order_pay" if placed.can_pay else "order", number=placed.number,
        _query={"done": "placed"}))


@view_config(route_name="checkout_address", request_method="POST", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def add_address(request: Request) -> Any:
    """Add an address to the book and check out with it; without JavaScript, "choose_region"
    shows the form again with the next region select's options."""
    values = posted_address(request)
    if "choose_region" in request.POST:
        return _page(request, {}, address=(values, {}))
    try:
        # The whole post goes in: the service keeps only the address fields it knows.
        address = request.shop.addresses.add(request.POST)
    except Invalid as exc:
        return _page(request, {}, address=(values, exc.errors), status=400)
    return HTTPSeeOther(location=request.route_path("checkout",
                                                    _query={"address": address.id}))


def includeme(config: Configurator) -> None:
    config.add_route("checkout", "/checkout")
    config.add_route("checkout_address", "/checkout/address")
