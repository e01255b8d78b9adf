"""Coupons (优惠券) in the back office: the templates, a new one, and one template's page with
its report and the ways to hand it out (a batch of codes, a grant to chosen shoppers).

The template form names its inputs by the schema's dotted paths (``scope.category_ids``,
``stacking.group``), so each refusal sits at the input it concerns; staff type category, brand
and product slugs and SKU codes, which the coupon service turns into the scope's ids. As with
gift cards, the answer to issuing is the only time the codes are shown: listed, and carried as a
CSV file in a ``data:`` link, so nothing re-readable stays on the server.
"""

from __future__ import annotations

import csv
import io
import secrets
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.application.promotions.campaign_schemas import words
from shop.application.promotions.coupon_schemas import MAX_BATCH
from shop.application.promotions.coupon_views import TemplateView
from shop.presentation.admin.forms import form_errors, given_key, message, posted, see_other
from shop.presentation.i18n import _
from shop.presentation.templating import price_filter, template
from shop.presentation.untrusted import echoed

VIEW = Permission.PROMOTION_VIEW
MANAGE = Permission.PROMOTION_MANAGE
LIST = template("admin/coupons.jinja2")
FORM = template("admin/coupon_form.jinja2")
DETAIL = template("admin/coupon_detail.jinja2")
PAGE_SIZE = 50
SCOPE_LISTS = ("scope.category_ids", "scope.brand_ids", "scope.product_ids", "scope.sku_ids",
               "scope.excluded_product_ids", "scope.excluded_sku_ids")
FIELDS = ("name_zh", "name_en", "kind", "amount", "percent", "cap", "min_spend", *SCOPE_LISTS,
          "stacking.mode", "stacking.group", "stacking.stacks_with", "stacking.priority",
          "valid_from", "valid_until", "valid_days", "total_quantity", "per_customer_limit",
          "public_code")
FLAGS = ("scope.everything", "claimable", "on_registration")
#: Lists typed as text, shown back whole on a refusal (``echoed`` would cut them, and staff would
#: send the cut list on): up to more than the longest list the service accepts.
LISTS = (*SCOPE_LISTS, "stacking.stacks_with", "customer_ids")
MAX_LIST_TEXT = 128 * 1024
#: Where a refusal is shown: at its input, or at the part it concerns as a whole ("scope").
SHOWN_AT = frozenset({*FIELDS, *FLAGS, "scope", "stacking", "_"})
KIND_LABELS = {"amount": _("Amount off (满减)"), "percent": _("Percentage off (折扣)"),
               "free_shipping": _("Free shipping (免邮)")}
MODE_LABELS = {"exclusive": _("Alone: with no other discount"),
               "group_exclusive": _("Not with others of its group"),
               "stackable": _("With any other discount")}
NEW_VALUES = {"kind": "amount", "min_spend": "0.00", "per_customer_limit": "1",
              "scope.everything": True, "stacking.mode": "exclusive",
              "stacking.priority": "0", "valid_days": "30"}


def includeme(config: Configurator) -> None:
    config.add_route("admin_coupons", "/admin/coupons")
    config.add_route("admin_coupons_new", "/admin/coupons/new")
    config.add_route("admin_coupons_template", r"/admin/coupons/{id:[0-9]+}")
    config.add_route("admin_coupons_issue", r"/admin/coupons/{id:[0-9]+}/issue")
    config.add_route("admin_coupons_grant", r"/admin/coupons/{id:[0-9]+}/grant")
    config.add_route("admin_coupons_deactivate", r"/admin/coupons/{id:[0-9]+}/deactivate")
    config.add_admin_area("admin_coupons", _("Coupons"), VIEW, order=410)


# -- the list --------------------------------------------------------------------------------


@view_config(route_name="admin_coupons", request_method="GET", renderer=LIST, permission=VIEW)
def coupon_templates(request: Request) -> dict[str, Any]:
    templates = request.shop.coupons.templates(given_key(request.GET.get("before")), PAGE_SIZE)
    return {"templates": templates, "terms": {t.id: terms(t) for t in templates},
            "may_manage": request.actor.can(MANAGE),
            "older": templates[-1].id if len(templates) == PAGE_SIZE else None}


def terms(template: TemplateView) -> Any:
    """What the coupon gives, as staff say it: "¥20.00 off ¥100.00", "15% off, up to ¥50.00",
    "Free shipping from ¥99.00" (one message each: a message inside another's mapping would
    not be translated)."""
    spend, cap = template.min_spend > 0, template.cap is not None
    mapping = {"amount": price_filter(template.amount), "percent": _percent(template.percent),
               "tenths": _tenths(template.percent), "cap": price_filter(template.cap),
               "spend": price_filter(template.min_spend)}
    if template.kind == "amount":
        if spend:
            return _("${amount} off ${spend}", mapping=mapping)
        return _("${amount} off", mapping=mapping)
    if template.kind == "percent":
        if spend and cap:
            return _("${percent} off ${spend}, up to ${cap}", mapping=mapping)
        if spend:
            return _("${percent} off ${spend}", mapping=mapping)
        if cap:
            return _("${percent} off, up to ${cap}", mapping=mapping)
        return _("${percent} off", mapping=mapping)
    if spend:
        return _("Free shipping from ${spend}", mapping=mapping)
    return _("Free shipping", mapping=mapping)


def _percent(value: Decimal | None) -> str:
    """15.00 → "15%", 12.50 → "12.5%" (the sign travels in the mapping, so no message reads
    to Babel like an old-style format)."""
    return "" if value is None else f"{value:f}".rstrip("0").rstrip(".") + "%"


def _tenths(value: Decimal | None) -> str:
    """What is paid, in tenths, as Chinese says a discount: 15% off → "8.5"."""
    return "" if value is None else f"{((100 - value) / 10).normalize():f}"


# -- a new template --------------------------------------------------------------------------


def _form(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"values": _shown(values), "errors": errors, "kinds": KIND_LABELS,
            "modes": MODE_LABELS}


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """Form values to show back: text cut as ``echoed`` cuts it, lists kept whole."""
    shown = echoed(values)
    shown.update({name: values[name][:MAX_LIST_TEXT] for name in LISTS
                  if isinstance(values.get(name), str)})
    return shown


@view_config(route_name="admin_coupons_new", request_method="GET", renderer=FORM,
             permission=MANAGE)
def template_form(request: Request) -> dict[str, Any]:
    return _form(NEW_VALUES, {})


@view_config(route_name="admin_coupons_new", request_method="POST", renderer=FORM,
             permission=MANAGE)
def template_create(request: Request) -> dict[str, Any] | HTTPSeeOther:
    posted_values = posted(request, FIELDS, flags=FLAGS)
    data = _nested(posted_values)
    stacking = data.get("stacking", {})
    stacking["stacks_with"] = words(stacking.get("stacks_with", ""))
    service = request.shop.coupons
    try:
        data["scope"] = service.scope_from_codes(data.get("scope", {}))
        template = service.create_template(data)
    except Invalid as exc:
        request.response.status_int = 400
        return _form(posted_values, _at_inputs(form_errors(request, exc, nested=True)))
    return see_other(request, "admin_coupons_template", id=template.id, _query={"saved": "1"})


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"scope.everything": True}`` → ``{"scope": {"everything": True}}``."""
    nested: dict[str, Any] = {}
    for name, value in flat.items():
        part, dot, field = name.partition(".")
        if dot:
            nested.setdefault(part, {})[field] = value
        else:
            nested[name] = value
    return nested


def _at_inputs(errors: dict[str, str]) -> dict[str, str]:
    """"stacking.stacks_with.2" is shown at its input, "stacking.stacks_with"."""
    shown: dict[str, str] = {}
    for path, text in errors.items():
        while path not in SHOWN_AT and "." in path:
            path = path.rpartition(".")[0]
        shown.setdefault(path, text)
    return shown


# -- one template: its report, issuing, granting, deactivating --------------------------------


def _template_id(request: Request) -> int:
    key = given_key(request.matchdict["id"])
    assert key is not None  # the route's pattern always gives one
    return key


def _detail(request: Request, *, issue: dict[str, Any] | None = None,
            grant: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page; ``issue`` / ``grant``: a refused form's values and errors, shown back."""
    service = request.shop.coupons
    coupon = service.template(_template_id(request))
    issue = issue or {"values": {"quantity": "100"}, "errors": {}}
    grant = grant or {"values": {}, "errors": {}}
    # A new key for each form shown: the same form sent twice issues once.
    for form in (issue, grant):
        form["values"] = {**_shown(form["values"]), "request_key": secrets.token_urlsafe(24)}
    granted = request.GET.get("granted", "")
    return {"coupon": coupon, "terms": terms(coupon), "report": service.report(coupon.id),
            "kinds": KIND_LABELS, "modes": MODE_LABELS,
            "may_manage": request.actor.can(MANAGE), "issue": issue, "grant": grant,
            "max_batch": MAX_BATCH, "saved": "saved" in request.GET,
            "granted": int(granted) if granted.isascii() and granted.isdigit()
            and len(granted) <= 4 else None}


@view_config(route_name="admin_coupons_template", request_method="GET", renderer=DETAIL,
             permission=VIEW)
def coupon_template(request: Request) -> dict[str, Any]:
    return _detail(request)


@view_config(route_name="admin_coupons_issue", request_method="POST", renderer=DETAIL,
             permission=MANAGE)
def issue_codes(request: Request) -> dict[str, Any]:
    data = posted(request, ["quantity", "request_key"])
    template_id = _template_id(request)
    try:
        issued = request.shop.coupons.issue_codes(template_id, data.get("quantity", ""),
                                                  data.get("request_key"))
    except (Invalid, Conflict) as exc:
        return _refused(request, exc, "issue", data)
    coupon = request.shop.coupons.template(template_id)
    request.override_renderer = template("admin/coupons_issued.jinja2")
    return {"coupon": coupon, "terms": terms(coupon), "codes": issued.codes,
            "csv_link": _csv_link(request, coupon, issued.codes),
            "csv_name": f"coupons-{issued.template_id}-{issued.batch_id}.csv"}


@view_config(route_name="admin_coupons_grant", request_method="POST", renderer=DETAIL,
             permission=MANAGE)
def grant(request: Request) -> dict[str, Any] | HTTPSeeOther:
    data = posted(request, ["customer_ids", "request_key"])
    template_id = _template_id(request)
    try:
        granted = request.shop.coupons.grant(template_id, words(data.get("customer_ids", "")),
                                             data.get("request_key"))
    except (Invalid, Conflict) as exc:
        return _refused(request, exc, "grant", data)
    return see_other(request, "admin_coupons_template", id=template_id,
                     _query={"granted": len(granted.customer_ids)})


def _refused(request: Request, exc: Invalid | Conflict, form: str,
             values: dict[str, Any]) -> dict[str, Any]:
    """The page again, the refused ``form`` showing what was typed and why it was refused."""
    if isinstance(exc, Invalid):
        request.response.status_int, errors = 400, form_errors(request, exc)
    else:
        request.response.status_int, errors = 409, {"_": message(request, exc)}
    return _detail(request, **{form: {"values": values, "errors": errors}})


@view_config(route_name="admin_coupons_deactivate", request_method="POST", permission=MANAGE)
def deactivate(request: Request) -> HTTPSeeOther:
    template_id = _template_id(request)
    request.shop.coupons.deactivate_template(template_id)
    return see_other(request, "admin_coupons_template", id=template_id, _query={"saved": "1"})


def _csv_link(request: Request, coupon: TemplateView, codes: tuple[str, ...]) -> str:
    """The codes as a ``data:`` URL of a CSV file (with a BOM, so Excel reads it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "coupon", "terms"])
    offer = request.localizer.translate(terms(coupon))
    writer.writerows([code, coupon.name_zh, offer] for code in codes)
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + out.getvalue())
