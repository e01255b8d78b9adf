"""Staff accounts: list, create, edit (name, email, active, roles) and reset a password."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.presentation.admin.forms import failed, form_errors, message, posted, see_other
from shop.presentation.sessions import remember, session_token
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

MANAGE = Permission.STAFF_MANAGE
FIELDS = ["username", "email", "name", "password"]


def _staff_id(request: Request) -> int:
    return int(request.matchdict["id"])


@view_config(route_name="admin_staff", request_method="GET",
             renderer=template("admin/staff_list.jinja2"), permission=MANAGE)
def staff_list(request: Request) -> dict:
    return {"page": request.shop.staff.list_staff(request.GET)}


def _new_form(request: Request, values: dict[str, Any], errors: dict[str, str]) -> dict:
    return {"values": echoed(values), "errors": errors, "roles": request.shop.roles.list_roles()}


@view_config(route_name="admin_staff_new", request_method="GET",
             renderer=template("admin/staff_new.jinja2"), permission=MANAGE)
def staff_new_form(request: Request) -> dict:
    return _new_form(request, {"is_active": True, "roles": []}, {})


@view_config(route_name="admin_staff_new", request_method="POST",
             renderer=template("admin/staff_new.jinja2"), permission=MANAGE)
def staff_create(request: Request) -> dict | HTTPSeeOther:
    data = posted(request, FIELDS, lists=["roles"], flags=["is_active"])
    try:
        created = request.shop.staff.create_staff(data)
    except Invalid as exc:
        request.response.status_int = 400
        return _new_form(request, {**data, "password": ""}, form_errors(request, exc))
    return see_other(request, "admin_staff_edit", id=created.id, _query={"saved": "1"})


def _edit_form(request: Request, staff: Any, values: dict[str, Any],
               errors: dict[str, str]) -> dict:
    return {"staff": staff, "values": echoed(values), "errors": errors,
            "roles": request.shop.roles.list_roles(), "saved": "saved" in request.GET}


@view_config(route_name="admin_staff_edit", request_method="GET",
             renderer=template("admin/staff_edit.jinja2"), permission=MANAGE)
def staff_edit_form(request: Request) -> dict:
    staff = request.shop.staff.get_staff(_staff_id(request))
    values = {"email": staff.email, "name": staff.name, "is_active": staff.is_active,
              "roles": list(staff.role_codes)}
    return _edit_form(request, staff, values, {})


@view_config(route_name="admin_staff_edit", request_method="POST",
             renderer=template("admin/staff_edit.jinja2"), permission=MANAGE)
def staff_update(request: Request) -> dict | HTTPSeeOther:
    data = posted(request, ["email", "name"], lists=["roles"], flags=["is_active"])
    service = request.shop.staff
    try:
        saved = service.update_staff(_staff_id(request), data,
                                     current_session=session_token(request))
    except Invalid as exc:
        staff = service.get_staff(_staff_id(request))
        request.response.status_int = 400
        return _edit_form(request, staff, data, form_errors(request, exc))
    except Conflict as exc:
        staff = service.get_staff(_staff_id(request))
        request.response.status_int = 409
        return _edit_form(request, staff, data, {"_": message(request, exc)})
    response = see_other(request, "admin_staff_edit", id=saved.staff.id, _query={"saved": "1"})
    if saved.session is not None:
        remember(request, response, saved.session)
    return response


@view_config(route_name="admin_staff_password", request_method="GET",
             renderer=template("admin/staff_password.jinja2"), permission=MANAGE)
def password_form(request: Request) -> dict:
    return {"staff": request.shop.staff.get_staff(_staff_id(request)), "errors": {}}


@view_config(route_name="admin_staff_password", request_method="POST",
             renderer=template("admin/staff_password.jinja2"), permission=MANAGE)
def password_reset(request: Request) -> dict | HTTPSeeOther:
    data = posted(request, ["password", "password_confirm"])
    service = request.shop.staff
    try:
        saved = service.reset_password(_staff_id(request), data,
                                       current_session=session_token(request))
    except Invalid as exc:
        return failed(request, 400, staff=service.get_staff(_staff_id(request)),
                      errors=form_errors(request, exc))
    response = see_other(request, "admin_staff_edit", id=saved.staff.id, _query={"saved": "1"})
    if saved.session is not None:
        remember(request, response, saved.session)
    return response
