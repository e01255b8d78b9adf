"""The audit log browser: newest first, filtered, with an "older" link (keyset paging)."""

from __future__ import annotations

from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.presentation.admin.forms import form_errors
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

FILTERS = ("actor", "action", "entity_type", "entity_id", "since", "until")


@view_config(route_name="admin_audit", request_method="GET",
             renderer=template("admin/audit.jinja2"), permission=Permission.AUDIT_VIEW)
def audit_log(request: Request) -> dict:
    params = {key: request.GET[key] for key in (*FILTERS, "before_id") if request.GET.get(key)}
    try:
        page = request.shop.audit_log.page(params)
    except Invalid as exc:
        request.response.status_int = 400
        errors = form_errors(request, exc)
        if "before_id" in errors:  # the "older" link's, which the form has no field for
            errors["_"] = errors.pop("before_id")
        return {"page": None, "filters": echoed(params), "errors": errors}
    return {"page": page, "filters": page.filters, "errors": {}}
