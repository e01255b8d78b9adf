"""Orders staff enter (订单录入): a phone order, a zero-amount order and its approval queue, the
group-buy CSV import with its dry run. Plain HTML forms around the application's schemas
(``shop.application.ordering.entry_schemas``); everything needs ``order:order:manage`` (the
queue ``order:order:view``), and the application checks again."""

from __future__ import annotations

import secrets
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Forbidden, Invalid, Permission
from shop.application.ordering.entry import ADDRESS_FIELDS
from shop.application.ordering.entry_schemas import IMPORT_COLUMNS, MAX_IMPORT_BYTES
from shop.application.ordering.payment_methods import LABELS as PAYMENT_LABELS
from shop.application.ordering.payment_methods import ONLINE
from shop.application.text_files import decode_text_file
from shop.presentation.admin.forms import form_errors, message, posted, see_other
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

VIEW = Permission.ORDER_VIEW
MANAGE = Permission.ORDER_MANAGE
ENTRY_PAGE = template("admin/order_entry.jinja2")
IMPORT_PAGE = template("admin/order_import.jinja2")
QUEUE_PAGE = template("admin/order_approvals.jinja2")
FIELDS = ("idempotency_key", "customer", "customer_name", "items", "address",
          "shipping_method", "payment_method", "remarks", "reason", *ADDRESS_FIELDS)
NUMBER = r"{number:[0-9]+}"


def includeme(config: Configurator) -> None:
    base = "/admin/orders"
    config.add_route("admin_orders_new", f"{base}/new")
    config.add_route("admin_orders_import", f"{base}/import")
    config.allow_upload("admin_orders_import", MAX_IMPORT_BYTES + 64 * 1024)
    config.add_route("admin_orders_zero", f"{base}/zero-amount")
    config.add_route("admin_orders_zero_new", f"{base}/zero-amount/new")
    config.add_route("admin_orders_zero_decide", f"{base}/zero-amount/{NUMBER}")


# -- entering an order (phone, zero-amount) ----------------------------------------------------

def _entry_page(request: Request, zero: bool, values: dict[str, Any],
                errors: dict[str, str], status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    entry = request.shop.order_entry
    lookup = values.get("customer", "") if not errors.get("customer") else ""
    translate = request.localizer.translate
    return {
        "zero": zero, "values": values, "errors": errors,
        "action": request.route_path("admin_orders_zero_new" if zero else "admin_orders_new"),
        "found": entry.find_customer(lookup) if lookup else None,
        "shipping_methods": entry.shipping_choices(),
        "payment_methods": [(code, translate(PAYMENT_LABELS[code]))
                            for code in (ONLINE, "cod")],
        "entered": request.GET.get("entered", "")}


def _new_values(request: Request) -> dict[str, Any]:
    return {"idempotency_key": secrets.token_urlsafe(24),
            "customer": request.GET.get("customer", "")[:254], "payment_method": ONLINE}


@view_config(route_name="admin_orders_new", request_method="GET", renderer=ENTRY_PAGE,
             permission=MANAGE)
def phone_form(request: Request) -> dict[str, Any]:
    return _entry_page(request, False, _new_values(request), {})


@view_config(route_name="admin_orders_zero_new", request_method="GET", renderer=ENTRY_PAGE,
             permission=MANAGE)
def zero_form(request: Request) -> dict[str, Any]:
    return _entry_page(request, True, _new_values(request), {})


def _enter(request: Request, zero: bool) -> dict[str, Any] | HTTPSeeOther:
    data = posted(request, FIELDS, flags=("new_customer",))
    entry = request.shop.order_entry
    try:
        entered = (entry.zero_amount_order if zero else entry.phone_order)(data)
    except Invalid as exc:
        return _entry_page(request, zero, echoed(data), form_errors(request, exc), 400)
    except Conflict as exc:
        return _entry_page(request, zero, echoed(data), {"_": message(request, exc)}, 409)
    return see_other(request, "admin_order", number=entered.number,
                     _query={"done": "zero_amount" if zero else "phone"})


@view_config(route_name="admin_orders_new", request_method="POST", renderer=ENTRY_PAGE,
             permission=MANAGE)
def phone_enter(request: Request) -> Any:
    return _enter(request, False)


@view_config(route_name="admin_orders_zero_new", request_method="POST", renderer=ENTRY_PAGE,
             permission=MANAGE)
def zero_enter(request: Request) -> Any:
    return _enter(request, True)


# -- the zero-amount approval queue ------------------------------------------------------------

def _queue(request: Request, errors: dict[str, str] | None = None,
           status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    return {"rows": request.shop.order_entry.approval_queue(), "errors": errors or {},
            "may_manage": request.actor.can(MANAGE), "done": request.GET.get("done", "")}


@view_config(route_name="admin_orders_zero", request_method="GET", renderer=QUEUE_PAGE,
             permission=VIEW)
def approval_queue(request: Request) -> dict[str, Any]:
    return _queue(request)


@view_config(route_name="admin_orders_zero_decide", request_method="POST",
             renderer=QUEUE_PAGE, permission=MANAGE)
def decide(request: Request) -> Any:
    number = request.matchdict["number"]
    try:
        request.shop.order_entry.decide(number, posted(request, ("decision", "note")))
    except Invalid as exc:
        return _queue(request, {f"{number}.{k}": v
                                for k, v in form_errors(request, exc).items()}, 400)
    except Forbidden as exc:
        return _queue(request, {f"{number}._": message(request, exc)}, 403)
    except Conflict as exc:
        return _queue(request, {f"{number}._": message(request, exc)}, 409)
    return see_other(request, "admin_orders_zero", _query={"done": number})


# -- the group-buy import ----------------------------------------------------------------------

def _import_page(request: Request, report: Any = None, errors: dict[str, str] | None = None,
                 status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    errors = errors or {}
    # A refused import's errors are keyed "<line>.<field>": the table of bad rows.
    rows = [(*path.partition(".")[::2], text) for path, text in errors.items() if "." in path]
    return {"report": report, "errors": errors, "row_errors": rows, "columns": IMPORT_COLUMNS}


@view_config(route_name="admin_orders_import", request_method="GET", renderer=IMPORT_PAGE,
             permission=MANAGE)
def import_form(request: Request) -> dict[str, Any]:
    return _import_page(request)


@view_config(route_name="admin_orders_import", request_method="POST", renderer=IMPORT_PAGE,
             permission=MANAGE)
def import_file(request: Request) -> dict[str, Any]:
    upload = request.POST.get("file")
    raw = upload.file.read(MAX_IMPORT_BYTES + 1) if getattr(upload, "filename", "") else b""
    content = decode_text_file(raw)
    if content is None:
        return _import_page(request, errors={"content": request.localizer.translate(
            _("Save the file as CSV in UTF-8"))}, status=400)
    dry_run = "dry_run" in request.POST
    try:
        report = request.shop.order_entry.import_group_buy({"content": content,
                                                            "dry_run": dry_run})
    except Invalid as exc:
        return _import_page(request, errors=form_errors(request, exc, nested=True),
                            status=400)
    except Conflict as exc:
        return _import_page(request, errors={"_": message(request, exc)}, status=409)
    return _import_page(request, report)
