"""Shipping methods (配送方式): the list, a new method, and editing one with its fee rules.

Rules are typed one per line in a textarea (see ``shop.application.shipping.rule_lines``): it
works without JavaScript, staff can paste a carrier's price list, and the application names
the line of any mistake. Deactivating is the edit form's "active" box: a method is never
deleted, orders keep naming it.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.shipping.rule_lines import MAX_TEXT
from shop.presentation.admin.forms import form_errors, posted, see_other
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

#: Configuring shipping is a shop setting (see ``ShippingService``); checked again there.
MANAGE = Permission.SETTINGS_MANAGE
FORM = template("admin/shipping_method_form.jinja2")
FIELDS = ["name_zh", "name_en", "position", "free_above", "rules_text", "excluded_regions"]
#: Fields holding a list, shown back whole (up to what the application accepts) on a refusal.
LISTS = ("rules_text", "excluded_regions")


def includeme(config: Configurator) -> None:
    config.add_route("admin_shipping_methods", "/admin/shipping-methods")
    config.add_route("admin_shipping_method_new", "/admin/shipping-methods/new")
    config.add_route("admin_shipping_method_edit", "/admin/shipping-methods/{code}")
    config.add_admin_area("admin_shipping_methods", _("Shipping methods"), MANAGE, order=600,
                          module="orders")


@view_config(route_name="admin_shipping_methods", request_method="GET",
             renderer=template("admin/shipping_methods.jinja2"), permission=MANAGE)
def shipping_methods(request: Request) -> dict:
    return {"methods": request.shop.shipping.methods()}


def _form(request: Request, method: Any, values: dict[str, Any],
          errors: dict[str, str]) -> dict:
    shown = echoed(values)
    shown.update({key: values[key][:MAX_TEXT] for key in LISTS
                  if isinstance(values.get(key), str)})
    return {"method": method, "values": shown, "errors": errors,
            "provinces": request.shop.regions.provinces(), "saved": "saved" in request.GET}


def _data(request: Request, fields: list[str]) -> dict[str, Any]:
    return posted(request, fields, flags=["is_active"])


@view_config(route_name="admin_shipping_method_new", request_method="GET", renderer=FORM,
             permission=MANAGE)
def method_new_form(request: Request) -> dict:
    return _form(request, None, {"is_active": True, "position": "0",
                                 "rules_text": "* 1000 12.00 1000 2.00"}, {})


@view_config(route_name="admin_shipping_method_new", request_method="POST", renderer=FORM,
             permission=MANAGE)
def method_create(request: Request) -> dict | HTTPSeeOther:
    data = _data(request, ["code", *FIELDS])
    try:
        method = request.shop.shipping.create_method(data)
    except Invalid as exc:
        request.response.status_int = 400
        return _form(request, None, data, form_errors(request, exc))
    return see_other(request, "admin_shipping_method_edit", code=method.code,
                     _query={"saved": "1"})


def _values(method: Any) -> dict[str, Any]:
    return {"name_zh": method.name_zh, "name_en": method.name_en,
            "position": str(method.position),
            "free_above": "" if method.free_above is None else str(method.free_above),
            "is_active": method.is_active, "rules_text": method.rules_text,
            "excluded_regions": method.excluded_text}


@view_config(route_name="admin_shipping_method_edit", request_method="GET", renderer=FORM,
             permission=MANAGE)
def method_edit_form(request: Request) -> dict:
    method = request.shop.shipping.method(request.matchdict["code"])
    return _form(request, method, _values(method), {})


@view_config(route_name="admin_shipping_method_edit", request_method="POST", renderer=FORM,
             permission=MANAGE)
def method_update(request: Request) -> dict | HTTPSeeOther:
    service = request.shop.shipping
    method = service.method(request.matchdict["code"])
    data = _data(request, FIELDS)
    try:
        service.update_method(method.code, data)
    except Invalid as exc:
        request.response.status_int = 400
        return _form(request, method, {**_values(method), **data}, form_errors(request, exc))
    return see_other(request, "admin_shipping_method_edit", code=method.code,
                     _query={"saved": "1"})
