"""The audit log browser: newest first, filtered, with an "older" link (keyset paging), each
entry in words (the application's labels translated here), a link to the changed record where
the back office has a page for it, and a CSV export of what the filters match."""

from __future__ import annotations

from typing import Any

from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.presentation.admin.audit_export import csv_response
from shop.presentation.admin.forms import form_errors
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

FILTERS = ("actor", "action", "entity_type", "entity_id", "since", "until", "preset")

#: Where the back office shows each kind of record: (route, its placeholder, permission).
RECORD_PAGES: dict[str, tuple[str, str | None, Permission]] = {
    "staff": ("admin_staff_edit", "id", Permission.STAFF_MANAGE),
    "role": ("admin_role_edit", "code", Permission.ROLE_MANAGE),
    "settings": ("admin_settings", None, Permission.SETTINGS_MANAGE),
    "shipping_method": ("admin_shipping_method_edit", "code", Permission.SETTINGS_MANAGE),
    "coupon_template": ("admin_coupons_template", "id", Permission.PROMOTION_VIEW),
    "gift_card_batch": ("admin_gift_cards", None, Permission.FINANCE_VIEW),
    "payment_alert": ("admin_payment_alerts", None, Permission.FINANCE_VIEW),
    "promotion": ("admin_promotions", None, Permission.PROMOTION_VIEW),
    "product": ("admin_catalog_products_edit", "id", Permission.CATALOG_WRITE),
    "category": ("admin_catalog_categories_edit", "id", Permission.CATALOG_WRITE),
    "brand": ("admin_catalog_brands_edit", "id", Permission.CATALOG_WRITE),
    "attribute": ("admin_catalog_attributes_edit", "id", Permission.CATALOG_WRITE),
    "attribute_value": ("admin_catalog_attributes", None, Permission.CATALOG_VIEW),
    "customer": ("admin_customer", "id", Permission.CUSTOMER_VIEW),
}


def _params(request: Request) -> dict[str, str]:
    return {key: request.GET[key] for key in (*FILTERS, "before_id") if request.GET.get(key)}


@view_config(route_name="admin_audit", request_method="GET",
             renderer=template("admin/audit.jinja2"), permission=Permission.AUDIT_VIEW)
def audit_log(request: Request) -> dict:
    params = _params(request)
    try:
        page = request.shop.audit_log.page(params)
    except Invalid as exc:
        return _refused(request, params, exc)
    return {"page": page, "filters": page.filters, "errors": {},
            "links": {row.entry.id: record_link(request, row.entry.entity_type,
                                                row.entry.entity_id)
                      for row in page.rows},
            "shown": lambda value: shown(request, value),
            "preset_links": preset_links(request, page.filters)}


@view_config(route_name="admin_audit_export", request_method="GET",
             renderer=template("admin/audit.jinja2"), permission=Permission.AUDIT_VIEW)
def audit_export(request: Request) -> Any:
    params = {key: value for key, value in _params(request).items() if key != "before_id"}
    try:
        filters = request.shop.audit_log.begin_export(params)
    except Invalid as exc:
        return _refused(request, params, exc)
    return csv_response(request, filters)


def _refused(request: Request, params: dict[str, str], exc: Invalid) -> dict:
    request.response.status_int = 400
    errors = form_errors(request, exc)
    if "before_id" in errors:  # the "older" link's, which the form has no field for
        errors["_"] = errors.pop("before_id")
    return {"page": None, "filters": echoed(params), "errors": errors, "links": {},
            "shown": lambda value: shown(request, value),
            "preset_links": preset_links(request, {})}


#: The date presets offered beside the date range.
PRESETS = (("today", _("Today")), ("7d", _("Last 7 days")), ("30d", _("Last 30 days")))


def preset_links(request: Request, filters: dict[str, str]) -> list[dict[str, Any]]:
    """Each preset as a link keeping the other filters (a preset replaces the dates)."""
    kept = {k: v for k, v in filters.items() if k not in ("since", "until", "preset")}
    return [{"value": value, "label": request.localizer.translate(label),
             "current": filters.get("preset") == value,
             "url": request.route_path("admin_audit", _query={**kept, "preset": value})}
            for value, label in PRESETS]


def record_link(request: Request, entity_type: str, entity_id: str | None) -> str | None:
    """The back-office page of the record an entry changed, when one exists and the actor may
    open it."""
    found = RECORD_PAGES.get(entity_type)
    if found is None:
        return None
    route, placeholder, permission = found
    if not request.actor.can(permission) or \
            request.registry.introspector.get("routes", route) is None:
        return None
    if placeholder is None:
        return str(request.route_path(route))
    if not entity_id or (placeholder == "id" and not entity_id.isdigit()):
        return None
    return str(request.route_path(route, **{placeholder: entity_id}))


def shown(request: Request, value: object) -> str:
    """A label or value from the application: translated when it is a message, as it is when it
    is recorded data (which must never be looked up as a message id)."""
    if isinstance(value, TranslationString):
        return str(request.localizer.translate(value))
    return str(value)
