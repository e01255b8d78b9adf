"""The customers (客户管理): the customer list with its search and filters, exports (CSV,
XLSX), and one customer's page (profile, addresses, what their orders come to, their latest
orders and after-sales requests).

Everything here needs ``crm:customer:view`` (and the application checks it again). Links to an
order or a request show only to staff who may open those pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.accounts.customer_desk import HAS_ORDERED, LEVEL_FILTERS, SORT_LABELS
from shop.presentation.admin.forms import refused_filters
from shop.presentation.admin.table_export import Reading, Table, export_response
from shop.presentation.i18n import _
from shop.presentation.templating import template

VIEW = Permission.CUSTOMER_VIEW
FILTERS = ("q", "level", "since", "until", "has_ordered", "sort")
LIST = template("admin/customers.jinja2")

EXPORT = Table(
    "customers",
    (_("Customer number"), _("Name"), _("Username"), _("Email"), _("Mobile number"),
     _("Member level"), _("Orders"), _("Total spent"), _("Registered at"), _("Active")),
    amounts=frozenset({7}), numbers=frozenset({0, 6}))


def includeme(config: Configurator) -> None:
    base = "/admin/customers"
    config.add_route("admin_customers", base)
    # Writes on GET: an export is itself recorded in the audit log.
    config.add_route("admin_customers_export", base + "/export.{fmt:csv|xlsx}",
                     writes_on_get=True)
    config.add_route("admin_customer", base + "/{id:[0-9]+}")
    config.add_admin_area("admin_customers", _("Customers"), VIEW, order=400,
                          module="customers")


def _params(request: Request) -> dict[str, str]:
    return {key: request.GET[key] for key in (*FILTERS, "after") if request.GET.get(key)}


def _choices(request: Request) -> dict[str, Any]:
    """The filter form's select options, translated."""
    translate = request.localizer.translate
    return {"levels": [(k, translate(v)) for k, v in LEVEL_FILTERS.items()],
            "has_ordered_choices": [(k, translate(v)) for k, v in HAS_ORDERED.items()],
            "sorts": [(k, translate(v)) for k, v in SORT_LABELS.items()]}


@view_config(route_name="admin_customers", request_method="GET", renderer=LIST,
             permission=VIEW)
def customer_list(request: Request) -> dict[str, Any]:
    params = _params(request)
    try:
        page = request.shop.customer_desk.search(params)
    except Invalid as exc:
        return {**refused_filters(request, params, exc), **_choices(request)}
    return {"page": page, "filters": page.filters, "errors": {}, **_choices(request)}


@view_config(route_name="admin_customers_export", request_method="GET", renderer=LIST,
             permission=VIEW)
def customer_export(request: Request) -> Any:
    """What the list's filters match, as CSV or XLSX, read a batch at a time by
    ``uow.customer_desk.export_rows``; refused filters show the list again (400)."""
    fmt = request.matchdict["fmt"]
    params = {key: value for key, value in _params(request).items() if key != "after"}
    try:
        filters = request.shop.customer_desk.begin_export(params, fmt)
    except Invalid as exc:
        return {**refused_filters(request, params, exc), **_choices(request)}

    def read(reading: Reading) -> Iterator[list[object]]:
        text = reading.text
        yes, no = text(_("Yes")), text(_("No"))
        for row in reading.tx.customer_desk.export_rows(filters):
            yield [row.id, row.name, row.username, row.email, row.mobile,
                   text(row.level_label), row.orders, row.spent,
                   reading.when(row.registered_at), yes if row.is_active else no]

    response: Response = export_response(request, fmt, EXPORT, read)
    return response


@view_config(route_name="admin_customer", request_method="GET",
             renderer=template("admin/customer_detail.jinja2"), permission=VIEW)
def customer_detail(request: Request) -> dict[str, Any]:
    """One customer (an unknown number is the application's ``NotFound``: 404)."""
    detail = request.shop.customer_desk.detail(request.matchdict["id"])
    return {"customer": detail,
            "sees_orders": request.actor.can(Permission.ORDER_VIEW)}
