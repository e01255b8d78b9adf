"""Roles: the list, building a custom role from permissions, editing and deleting it."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.presentation.admin.forms import form_errors, message, posted, see_other
from shop.presentation.sessions import remember, session_token
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

MANAGE = Permission.ROLE_MANAGE
#: Present on forms whose permission boxes may be changed: an unticked box is absent, so
#: without it "no box ticked" and "no boxes shown" (a built-in role) would look the same.
SHOWN = "permissions_shown"


def _role_data(request: Request, fields: list[str]) -> dict[str, Any]:
    data = posted(request, fields)
    if SHOWN in request.POST:
        data["permissions"] = request.POST.getall("permissions")
    return data


@view_config(route_name="admin_roles", request_method="GET",
             renderer=template("admin/roles.jinja2"), permission=MANAGE)
def roles(request: Request) -> dict:
    translate = request.localizer.translate
    labels = {c.value: translate(c.label) for c in request.shop.roles.permission_choices()}
    return {"roles": request.shop.roles.list_roles(), "deleted": "deleted" in request.GET,
            "labels": labels}


def _form(request: Request, role: Any, values: dict[str, Any], errors: dict[str, str]) -> dict:
    return {"role": role, "values": echoed(values), "errors": errors,
            "groups": request.shop.roles.permission_groups(), "saved": "saved" in request.GET}


@view_config(route_name="admin_role_new", request_method="GET",
             renderer=template("admin/role_form.jinja2"), permission=MANAGE)
def role_new_form(request: Request) -> dict:
    return _form(request, None, {"permissions": [Permission.ADMIN_ACCESS.value]}, {})


@view_config(route_name="admin_role_new", request_method="POST",
             renderer=template("admin/role_form.jinja2"), permission=MANAGE)
def role_create(request: Request) -> dict | HTTPSeeOther:
    data = _role_data(request, ["code", "name_zh", "name_en"])
    try:
        role = request.shop.roles.create_role(data)
    except Invalid as exc:
        request.response.status_int = 400
        return _form(request, None, data, form_errors(request, exc))
    return see_other(request, "admin_role_edit", code=role.code, _query={"saved": "1"})


@view_config(route_name="admin_role_edit", request_method="GET",
             renderer=template("admin/role_form.jinja2"), permission=MANAGE)
def role_edit_form(request: Request) -> dict:
    role = request.shop.roles.get_role(request.matchdict["code"])
    values = {"name_zh": role.name_zh, "name_en": role.name_en,
              "permissions": list(role.permissions)}
    return _form(request, role, values, {})


@view_config(route_name="admin_role_edit", request_method="POST",
             renderer=template("admin/role_form.jinja2"), permission=MANAGE)
def role_update(request: Request) -> dict | HTTPSeeOther:
    code = request.matchdict["code"]
    data = _role_data(request, ["name_zh", "name_en"])
    service = request.shop.roles
    try:
        saved = service.update_role(code, data, current_session=session_token(request))
    except Invalid as exc:
        role = service.get_role(code)
        request.response.status_int = 400
        return _form(request, role, {"permissions": list(role.permissions), **data},
                     form_errors(request, exc))
    response = see_other(request, "admin_role_edit", code=code, _query={"saved": "1"})
    if saved.session is not None:
        remember(request, response, saved.session)
    return response


@view_config(route_name="admin_role_delete", request_method="POST",
             renderer=template("admin/role_form.jinja2"), permission=MANAGE)
def role_delete(request: Request) -> dict | HTTPSeeOther:
    code = request.matchdict["code"]
    service = request.shop.roles
    try:
        service.delete_role(code)
    except Conflict as exc:
        role = service.get_role(code)
        request.response.status_int = 409
        values = {"name_zh": role.name_zh, "name_en": role.name_en,
                  "permissions": list(role.permissions)}
        return _form(request, role, values, {"_": message(request, exc)})
    return see_other(request, "admin_roles", _query={"deleted": "1"})
