"""After-sales (售后) in the back office: the RMA queue (/admin/rma) with its filters, a request's
page with the staff's steps (approve or reject with a message; receive and inspect; refund;
send an exchange's replacement), the return policy per category, and the suggestions and
complaints (建议与投诉) to answer.

Reading needs ``order:order:view``; every step needs ``order:rma:manage`` (and the application
checks it again). Each step is a deform form around the application's schema posting to its own
route; a refusal shows the request again with the message (400 for a field, 409 when the
request moved on meanwhile: a second click never does the step twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import deform
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.application.rma import schemas, states
from shop.application.shipments.carriers import CARRIERS
from shop.presentation.admin.forms import given_key, message, see_other
from shop.presentation.admin.schema_form import SchemaForm
from shop.presentation.admin.table_export import Reading, Table, export_response
from shop.presentation.i18n import _
from shop.presentation.templating import template

VIEW = Permission.ORDER_VIEW
MANAGE = Permission.RMA_MANAGE
DETAIL = template("admin/rma_detail.jinja2")

#: The step forms: action -> (schema, submit label, widgets).
STEPS: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    "approve": (schemas.StaffMessageSchema, _("Approve"),
                {"message": deform.widget.TextAreaWidget(rows=2)}),
    "reject": (schemas.RejectSchema, _("Reject"),
               {"message": deform.widget.TextAreaWidget(rows=2)}),
    "receive": (schemas.ReceiveSchema, _("Goods received and inspected"), {
        "disposition": deform.widget.RadioChoiceWidget(values=schemas.DISPOSITIONS),
        "message": deform.widget.TextAreaWidget(rows=2)}),
    "refund": (schemas.StaffMessageSchema, _("Refund"),
               {"message": deform.widget.TextAreaWidget(rows=2)}),
    "replace": (schemas.ReplacementSchema, _("Replacement sent"),
                {"message": deform.widget.TextAreaWidget(rows=2)}),
}
STEP_HEADINGS = {"approve": _("Approve"), "reject": _("Reject"),
                 "receive": _("Receive and inspect the goods"), "refund": _("Refund"),
                 "replace": _("Send the replacement")}
DONE = {"approve": _("Approved."), "reject": _("Rejected."),
        "receive": _("Goods received."), "refund": _("Refunded."),
        "replace": _("Replacement recorded.")}


def includeme(config: Configurator) -> None:
    config.add_route("admin_rma", "/admin/rma")
    config.add_route("admin_rma_policies", "/admin/rma/policies")
    config.add_route("admin_rma_tickets", "/admin/rma/tickets")
    config.add_route("admin_rma_ticket_answer", r"/admin/rma/tickets/{id:[0-9]+}/answer")
    # Writes on GET: an export is itself recorded in the audit log.
    config.add_route("admin_rma_export", "/admin/rma/export.{fmt:csv|xlsx}",
                     writes_on_get=True)
    config.add_route("admin_rma_detail", "/admin/rma/{number}")
    # ``action``: one of ``STEPS``; any other is not found.
    config.add_route("admin_rma_step", "/admin/rma/{number}/{action}")
    # Listed for those who work the queue; whoever may see orders may still open the pages.
    config.add_admin_area("admin_rma", _("After-sales (RMA)"), MANAGE, order=250,
                          module="orders")
    config.add_admin_area("admin_rma_tickets", _("Suggestions and complaints"), MANAGE,
                          order=260, module="orders")
    config.add_admin_area("admin_rma_policies", _("Return policy"), MANAGE, order=270,
                          module="orders")


@view_config(route_name="admin_rma", request_method="GET",
             renderer=template("admin/rma_queue.jinja2"), permission=VIEW)
def queue(request: Request) -> dict[str, Any]:
    """Open requests by default (``?state=`` one state or ``all``; ``kind``; ``order``;
    ``sort`` ``oldest``), keyset-paged by ``before`` (the last request shown)."""
    filters = _filters(request)
    before = request.GET.get("before")
    given_key(before)
    page = request.shop.rma.queue(**_criteria(filters), before=before)
    return {"page": page, "filters": filters,
            "states": [("open", _("Open")), ("all", _("All")), *states.LABELS.items()],
            "kinds": [("", _("All")), *states.KIND_LABELS.items()],
            "sorts": list(SORT_LABELS.items()),
            "older": {**filters, "before": page.next_before} if page.next_before else None}


SORT_LABELS = {"newest": _("Newest first"), "oldest": _("Oldest first")}
EXPORT = Table("rma", (_("Request"), _("Order"), _("Kind"), _("Reason"), _("Items"),
                       _("State"), _("Refunded"), _("Staff message"), _("Asked at")),
               amounts=frozenset({6}))


def _filters(request: Request) -> dict[str, str]:
    sort = request.GET.get("sort", "newest")
    return {"state": request.GET.get("state", "open")[:20],
            "kind": request.GET.get("kind", "")[:20],
            "order": request.GET.get("order", "").strip()[:24],
            "sort": sort if sort in SORT_LABELS else "newest"}


def _criteria(filters: dict[str, str]) -> dict[str, str]:
    return {**filters, "state": "" if filters["state"] == "all" else filters["state"]}


@view_config(route_name="admin_rma_export", request_method="GET", permission=VIEW)
def export(request: Request) -> Response:
    """What the queue's filters match, as CSV or XLSX (``shop.presentation.admin.table_export``),
    read a batch at a time by ``uow.rma.export_rows``."""
    fmt = request.matchdict["fmt"]
    criteria = _criteria(_filters(request))
    request.shop.rma.begin_export(**criteria, fmt=fmt)

    def read(reading: Reading) -> Iterator[list[object]]:
        text = reading.text
        for rma in reading.tx.rma.export_rows(**criteria):
            yield [rma.number, rma.order_number, text(rma.kind_label), text(rma.reason_label),
                   "; ".join(f"{line.name}{f' ({line.variant})' if line.variant else ''}"
                             f" × {line.quantity}" for line in rma.lines),
                   text(rma.state_label), rma.refund_total, rma.staff_message,
                   reading.when(rma.created_at)]

    return export_response(request, fmt, EXPORT, read)


def _step_form(request: Request, number: str, action: str) -> SchemaForm:
    schema, submit, widgets = STEPS[action]
    if action == "replace":  # the replacement order ships like any: one of the shop's carriers
        translate = request.localizer.translate
        widgets = {**widgets, "carrier": deform.widget.SelectWidget(values=[
            ("", translate(_("Choose a carrier"))),
            *((code, translate(carrier.name)) for code, carrier in CARRIERS.items())])}
    return SchemaForm(request, schema(), formid=f"rma-{action}",
                      action=request.route_path("admin_rma_step", number=number,
                                                action=action),
                      submit=submit, widgets=widgets, focus=False)


def _detail(request: Request, number: str, *, refused: tuple[str, SchemaForm] | None = None,
            conflict: Any = None) -> dict[str, Any]:
    rma = request.shop.rma.get(number)
    forms = []
    for action in rma.actions:
        if refused is not None and refused[0] == action:
            forms.append((action, STEP_HEADINGS[action], refused[1].render()))
        else:
            forms.append((action, STEP_HEADINGS[action],
                          _step_form(request, number, action).render({})))
    done = DONE.get(request.GET.get("done", "")) if refused is None and conflict is None \
        else None
    return {"rma": rma, "forms": forms, "dispositions": dict(schemas.DISPOSITIONS),
            "done": request.localizer.translate(done) if done is not None else None,
            "conflict": conflict}


@view_config(route_name="admin_rma_detail", request_method="GET", renderer=DETAIL,
             permission=VIEW)
def detail(request: Request) -> dict[str, Any] | Response:
    """The request; ``?photo=NAME`` is one of its photos."""
    number = request.matchdict["number"]
    photo = request.GET.get("photo")
    if photo is not None:
        path, content_type = request.shop.rma.photo(number, photo)
        response = FileResponse(str(path), request=request, content_type=content_type)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    return _detail(request, number)


@view_config(route_name="admin_rma_step", request_method="POST", renderer=DETAIL,
             permission=MANAGE)
def step(request: Request) -> dict[str, Any] | HTTPSeeOther:
    number, action = request.matchdict["number"], request.matchdict["action"]
    if action not in STEPS:
        raise HTTPNotFound()
    form = _step_form(request, number, action)
    try:
        done = form.submit(lambda data: getattr(request.shop.rma, action)(number, data)
                           or True)
    except Conflict as exc:
        request.response.status_int = 409
        return _detail(request, number, conflict=message(request, exc))
    if done is None:
        return _detail(request, number, refused=(action, form))
    return see_other(request, "admin_rma_detail", number=number, _query={"done": action})


# -- the return policy ------------------------------------------------------------------------


def _policy_form(request: Request) -> SchemaForm:
    choices = [(str(key), name) for key, name in request.shop.rma.policy_categories()]
    return SchemaForm(request, schemas.PolicySchema(), formid="rma-policy",
                      action=request.route_path("admin_rma_policies"), submit=_("Save"),
                      widgets={"category": deform.widget.SelectWidget(values=choices)})


def _policies(request: Request, form: SchemaForm, values: dict[str, Any] | None,
              ) -> dict[str, Any]:
    defaults = request.shop.rma.default_policy()
    return {"policies": request.shop.rma.policies(), "defaults": defaults,
            "form": form.render(values) if request.actor.can(MANAGE) else None,
            "saved": request.GET.get("saved") == "1"}


@view_config(route_name="admin_rma_policies", request_method="GET",
             renderer=template("admin/rma_policies.jinja2"), permission=VIEW)
def policies(request: Request) -> dict[str, Any]:
    defaults = request.shop.rma.default_policy()
    return _policies(request, _policy_form(request), {
        "no_reason_days": str(defaults.no_reason_days),
        "return_days": str(defaults.return_days)})


@view_config(route_name="admin_rma_policies", request_method="POST",
             renderer=template("admin/rma_policies.jinja2"), permission=MANAGE)
def save_policy(request: Request) -> dict[str, Any] | HTTPSeeOther:
    if "delete" in request.POST:
        key = given_key(request.POST.get("delete"))
        if key is None:
            raise HTTPNotFound()
        request.shop.rma.delete_policy(key)
        return see_other(request, "admin_rma_policies", _query={"saved": "1"})
    form = _policy_form(request)
    if form.submit(lambda data: request.shop.rma.save_policy(data) or True) is None:
        return _policies(request, form, None)
    return see_other(request, "admin_rma_policies", _query={"saved": "1"})


# -- suggestions and complaints ---------------------------------------------------------------


@view_config(route_name="admin_rma_tickets", request_method="GET",
             renderer=template("admin/rma_tickets.jinja2"), permission=VIEW)
def tickets(request: Request) -> dict[str, Any]:
    state = request.GET.get("state", "open")
    return {"tickets": request.shop.rma.tickets(state), "state": state,
            "may_answer": request.actor.can(MANAGE), "errors": {},
            "answered": request.GET.get("answered") == "1"}


@view_config(route_name="admin_rma_ticket_answer", request_method="POST",
             renderer=template("admin/rma_tickets.jinja2"), permission=MANAGE)
def answer(request: Request) -> dict[str, Any] | HTTPSeeOther:
    ticket_id = request.matchdict["id"]
    try:
        request.shop.rma.answer_ticket(ticket_id, {"answer": request.POST.get("answer", "")})
    except (Invalid, Conflict) as exc:
        request.response.status_int = 400 if isinstance(exc, Invalid) else 409
        text = (request.localizer.translate(next(iter(exc.errors.values())))
                if isinstance(exc, Invalid) else message(request, exc))
        return {"tickets": request.shop.rma.tickets("open"), "state": "open",
                "may_answer": True, "errors": {int(ticket_id): text}, "answered": False}
    return see_other(request, "admin_rma_tickets", _query={"answered": "1"})
