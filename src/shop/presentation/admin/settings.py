"""The base settings form (基础设置)."""

from __future__ import annotations

from dataclasses import asdict

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.settings.schemas import CURRENCIES
from shop.application.settings.service import KEYS
from shop.presentation.admin.forms import form_errors, posted, see_other
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

TEMPLATE = template("admin/settings.jinja2")


def _form(request: Request, values: dict, errors: dict[str, str]) -> dict:
    return {"values": echoed(values), "errors": errors, "currencies": CURRENCIES,
            "saved": "saved" in request.GET}


@view_config(route_name="admin_settings", request_method="GET", renderer=TEMPLATE,
             permission=Permission.SETTINGS_MANAGE)
def settings_form(request: Request) -> dict:
    return _form(request, asdict(request.shop.settings.current()), {})


@view_config(route_name="admin_settings", request_method="POST", renderer=TEMPLATE,
             permission=Permission.SETTINGS_MANAGE)
def settings_update(request: Request) -> dict | HTTPSeeOther:
    data = posted(request, KEYS)
    try:
        request.shop.settings.update(data)
    except Invalid as exc:
        request.response.status_int = 400
        return _form(request, {**asdict(request.shop.settings.current()), **data},
                     form_errors(request, exc))
    return see_other(request, "admin_settings", _query={"saved": "1"})
