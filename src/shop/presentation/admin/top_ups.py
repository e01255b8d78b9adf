"""Topping up a shopper's balance (余额充值) from the back office, with the reason finance needs
(a goodwill credit, a transfer received): audited by the service.

The back office has no customer list yet, so the form takes the customer's number (the id in
the audit log, ``shopper:42``). The form answers with a redirect, so a reload never tops up
twice.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, NotFound, Permission
from shop.application.validation import entity_key
from shop.presentation.admin.forms import form_errors, posted, see_other
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

MANAGE = Permission.FINANCE_MANAGE
FORM = template("admin/top_up.jinja2")


def includeme(config: Configurator) -> None:
    config.add_route("admin_top_up", "/admin/wallet/top-up")
    config.add_admin_area("admin_top_up", _("Balance top-up"), MANAGE, order=720,
                          module="finance")


def _form(values: dict[str, Any], errors: dict[str, str], done: int | None) -> dict[str, Any]:
    return {"values": echoed(values), "errors": errors, "done": done}


@view_config(route_name="admin_top_up", request_method="GET", renderer=FORM, permission=MANAGE)
def top_up_form(request: Request) -> dict[str, Any]:
    return _form({}, {}, entity_key(request.GET.get("done")))


@view_config(route_name="admin_top_up", request_method="POST", renderer=FORM,
             permission=MANAGE)
def top_up(request: Request) -> Any:
    values = posted(request, ["customer", "amount", "reason"])
    customer_id = entity_key(values.get("customer"))
    translate = request.localizer.translate
    try:
        if customer_id is None:
            raise Invalid({"customer": _("Enter the customer's number")})
        request.shop.wallet.top_up(customer_id, values)
    except Invalid as exc:
        request.response.status_int = 400
        return _form(values, form_errors(request, exc), None)
    except NotFound:
        request.response.status_int = 400
        return _form(values, {"customer": translate(_("No customer has that number"))}, None)
    return see_other(request, "admin_top_up", _query={"done": str(customer_id)})
