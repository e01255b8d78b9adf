"""The order desk (订单处理): the order list with its filters, exports (CSV, XLSX), one order
whole, and what staff do to it: ship, flag, note, review.

Reading needs ``order:order:view``; every button that changes something needs
``order:order:manage`` (and the application checks both again). The forms are ``SchemaForm``s
around the application's own schemas; a refused one comes back on the order's page, 400, with
its messages on its fields.
"""

from __future__ import annotations

from typing import Any

import deform
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.ordering import states
from shop.application.ordering.desk_schemas import (
    FLAG_LABELS,
    REVIEW_LABELS,
    SORT_LABELS,
    FlagSchema,
    NoteSchema,
    ReviewRulesSchema,
    ReviewSchema,
)
from shop.application.ordering.payment_methods import LABELS as PAYMENT_LABELS
from shop.application.shipments.carriers import CARRIERS
from shop.application.shipments.schemas import ShipmentSchema
from shop.presentation.admin.forms import refused_filters, see_other
from shop.presentation.admin.order_export import csv_response, xlsx_response
from shop.presentation.admin.schema_form import SchemaForm
from shop.presentation.i18n import _
from shop.presentation.storefront.payments import TENDER_STATES
from shop.presentation.templating import template

VIEW = Permission.ORDER_VIEW
MANAGE = Permission.ORDER_MANAGE
FILTERS = ("state", "since", "until", "min_payable", "max_payable", "payment_method", "flag",
           "review", "q", "sort")
#: Digits only (the application finds a 20-digit number or answers 404).
NUMBER = r"{number:[0-9]+}"


def includeme(config: Configurator) -> None:
    base = "/admin/orders"
    config.add_route("admin_orders", base)
    # Writes on GET: an export is itself recorded in the audit log.
    config.add_route("admin_orders_export", f"{base}/export.csv", writes_on_get=True)
    config.add_route("admin_orders_export_xlsx", f"{base}/export.xlsx", writes_on_get=True)
    config.add_route("admin_order", f"{base}/{NUMBER}")
    config.add_route("admin_order_ship", f"{base}/{NUMBER}/ship")
    config.add_route("admin_order_flag", f"{base}/{NUMBER}/flags")
    config.add_route("admin_order_unflag", rf"{base}/{NUMBER}/flags/{{id:[0-9]+}}/remove")
    config.add_route("admin_order_note", f"{base}/{NUMBER}/notes")
    config.add_route("admin_order_review", f"{base}/{NUMBER}/review")
    config.add_route("admin_order_review_rules", f"{base}/review-rules")
    config.add_admin_area("admin_orders", _("Orders"), VIEW, order=200, module="orders")
    config.add_admin_area("admin_order_review_rules", _("Order review rules"),
                          Permission.SETTINGS_MANAGE, order=210, module="orders")


def _params(request: Request) -> dict[str, str]:
    return {key: request.GET[key] for key in (*FILTERS, "after") if request.GET.get(key)}


def _choices(request: Request) -> dict[str, Any]:
    """The filter form's select options, translated."""
    translate = request.localizer.translate
    return {"states": [(k, translate(v)) for k, v in states.LABELS.items()],
            "payment_methods": [(k, translate(v)) for k, v in PAYMENT_LABELS.items()],
            "flags": [(k, translate(v)) for k, v in FLAG_LABELS.items()],
            "reviews": [("queue", translate(_("Waiting for a person"))),
                        *((k, translate(v)) for k, v in REVIEW_LABELS.items())],
            "sorts": [(k, translate(v)) for k, v in SORT_LABELS.items()],
            # The header's links to enter orders (``shop.presentation.admin.order_entry``).
            "may_enter": request.actor.can(MANAGE)}


@view_config(route_name="admin_orders", request_method="GET",
             renderer=template("admin/orders.jinja2"), permission=VIEW)
def order_list(request: Request) -> dict[str, Any]:
    params = _params(request)
    try:
        page = request.shop.order_desk.search(params)
    except Invalid as exc:
        return {**refused_filters(request, params, exc), **_choices(request)}
    return {"page": page, "filters": page.filters, "errors": {}, **_choices(request)}


@view_config(route_name="admin_orders_export", request_method="GET",
             renderer=template("admin/orders.jinja2"), permission=VIEW)
def order_export_csv(request: Request) -> Any:
    return _export(request, "csv")


@view_config(route_name="admin_orders_export_xlsx", request_method="GET",
             renderer=template("admin/orders.jinja2"), permission=VIEW)
def order_export_xlsx(request: Request) -> Any:
    return _export(request, "xlsx")


def _export(request: Request, fmt: str) -> Any:
    params = {key: value for key, value in _params(request).items() if key != "after"}
    try:
        filters = request.shop.order_desk.begin_export(params, fmt)
    except Invalid as exc:
        return {**refused_filters(request, params, exc), **_choices(request)}
    return (csv_response if fmt == "csv" else xlsx_response)(request, filters)


# -- one order ---------------------------------------------------------------------------------

def _forms(request: Request, number: str) -> dict[str, SchemaForm]:
    translate = request.localizer.translate
    path = request.route_path
    carriers = [("", translate(_("Choose a carrier"))),
                *((code, translate(carrier.name)) for code, carrier in CARRIERS.items())]
    return {
        "ship": SchemaForm(
            request, ShipmentSchema(), formid="ship-form", focus=False, submit=_("Ship"),
            action=path("admin_order_ship", number=number),
            titles={"carrier": _("Carrier"), "tracking_number": _("Tracking number")},
            widgets={"carrier": deform.widget.SelectWidget(values=carriers)}),
        "flag": SchemaForm(
            request, FlagSchema(), formid="flag-form", focus=False, submit=_("Add flag"),
            action=path("admin_order_flag", number=number),
            widgets={"kind": deform.widget.SelectWidget(values=[
                ("", translate(_("Choose a flag"))),
                *((k, translate(v)) for k, v in FLAG_LABELS.items())])},
            descriptions={"text": _("Only for a custom flag: a few words, e.g. 待补发")}),
        "note": SchemaForm(
            request, NoteSchema(), formid="note-form", focus=False, submit=_("Add note"),
            action=path("admin_order_note", number=number),
            widgets={"text": deform.widget.TextAreaWidget(rows=2)}),
        "review": SchemaForm(
            request, ReviewSchema(), formid="review-form", focus=False, submit=_("Decide"),
            action=path("admin_order_review", number=number),
            widgets={"decision": deform.widget.RadioChoiceWidget(values=[
                ("approve", translate(_("Approve"))), ("reject", translate(_("Reject: cancel "
                 "and refund"))), ("hold", translate(_("Hold")))], inline=True)}),
    }


def _detail(request: Request, number: str, forms: dict[str, SchemaForm] | None = None,
            refused: str | None = None) -> dict[str, Any]:
    detail = request.shop.order_desk.detail(number)
    forms = forms or _forms(request, number)
    return {"detail": detail, "order": detail.order, "tender_states": TENDER_STATES,
            "may_manage": request.actor.can(MANAGE), "done": request.GET.get("done", ""),
            "forms": {name: form.render() if name == refused else form.render({})
                      for name, form in forms.items()}}


@view_config(route_name="admin_order", request_method="GET",
             renderer=template("admin/order_detail.jinja2"), permission=VIEW)
def order_detail(request: Request) -> dict[str, Any]:
    return _detail(request, request.matchdict["number"])


def _submit(request: Request, name: str, call: Any) -> dict[str, Any] | HTTPSeeOther:
    """Submit form ``name`` of the order's page to ``call(number, posted)``; back to the
    order, or its page again with the form's messages."""
    number = request.matchdict["number"]
    forms = _forms(request, number)
    if forms[name].submit(lambda posted: call(number, posted) or True) is not None:
        return see_other(request, "admin_order", number=number, _query={"done": name})
    return _detail(request, number, forms, refused=name)


@view_config(route_name="admin_order_ship", request_method="POST",
             renderer=template("admin/order_detail.jinja2"), permission=MANAGE)
def order_ship(request: Request) -> Any:
    return _submit(request, "ship", request.shop.order_desk.ship)


@view_config(route_name="admin_order_flag", request_method="POST",
             renderer=template("admin/order_detail.jinja2"), permission=MANAGE)
def order_flag(request: Request) -> Any:
    return _submit(request, "flag", request.shop.order_desk.flag)


@view_config(route_name="admin_order_note", request_method="POST",
             renderer=template("admin/order_detail.jinja2"), permission=MANAGE)
def order_note(request: Request) -> Any:
    return _submit(request, "note", request.shop.order_desk.add_note)


@view_config(route_name="admin_order_review", request_method="POST",
             renderer=template("admin/order_detail.jinja2"), permission=MANAGE)
def order_review(request: Request) -> Any:
    return _submit(request, "review", request.shop.order_review.decide)


@view_config(route_name="admin_order_unflag", request_method="POST", permission=MANAGE)
def order_unflag(request: Request) -> HTTPSeeOther:
    number = request.matchdict["number"]
    request.shop.order_desk.unflag(number, request.matchdict["id"])
    return see_other(request, "admin_order", number=number, _query={"done": "unflag"})


# -- the review rules --------------------------------------------------------------------------

def _rules_form(request: Request) -> SchemaForm:
    return SchemaForm(
        request, ReviewRulesSchema(), formid="review-rules-form", submit=_("Save"),
        action=request.route_path("admin_order_review_rules"),
        widgets={"blacklist": deform.widget.TextAreaWidget(rows=3)},
        descriptions={
            "enabled": _("Paid orders (cash on delivery: placed orders) wait for review "
                         "before they ship; the rules below approve some automatically."),
            "max_payable": _("Empty: any amount."),
            "blacklist": _("Mobile numbers, separated by commas or lines: their "
                           "orders always wait for a person.")})


@view_config(route_name="admin_order_review_rules", request_method=("GET", "POST"),
             renderer=template("admin/catalog_form.jinja2"),
             permission=Permission.SETTINGS_MANAGE)
def review_rules(request: Request) -> dict[str, Any] | HTTPSeeOther:
    review = request.shop.order_review
    form = _rules_form(request)
    page = {"title": _("Order review rules"), "saved": "saved" in request.GET,
            "back": (request.route_path("admin_orders"), _("Back to the orders"))}
    if request.method == "POST":
        if form.submit(review.update_rules) is not None:
            return see_other(request, "admin_order_review_rules", _query={"saved": "1"})
        return {**page, "forms": [(None, form.render())]}
    rules = review.rules()
    return {**page, "forms": [(None, form.render({
        "enabled": rules.enabled, "max_payable": rules.max_payable,
        "require_address": rules.require_address, "no_risk_flag": rules.no_risk_flag,
        "blacklist": "\n".join(rules.blacklist)}))]}
