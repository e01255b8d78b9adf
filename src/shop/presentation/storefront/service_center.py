"""The service center (服务中心) in the user center: asking for a refund, return or exchange of an
order's items (/orders/{number}/after-sales), the shopper's requests with their state and the
staff's messages (/service), withdrawing one, and suggestions and complaints (建议与投诉).

Forms are plain POSTs with the CSRF token that redirect with ``done`` naming what happened; a
refusal shows the form again with the application's message (the policy's reason: past the 7
days, a category excluded from no-reason returns …). A request or an order of another shopper is
not found (404).
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission
from shop.application.rma.schemas import MAX_PHOTOS, TICKET_KINDS
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import MAX_UPLOAD_BYTES, echoed

SELF = Permission.ACCOUNT_SELF
NEW_PAGE = template("service/new.jinja2")
CENTER = template("service/center.jinja2")
DETAIL = template("service/detail.jinja2")
DONE = {"asked": _("Your request is sent: customer service will answer it here."),
        "withdrawn": _("The request is withdrawn."),
        "ticket": _("Thank you: your message is sent.")}


def includeme(config: Configurator) -> None:
    config.add_route("order_after_sales", r"/orders/{number:[0-9]+}/after-sales")
    config.add_route("service_center", "/service")
    config.add_route("service_ticket_new", "/service/tickets")
    config.add_route("service_rma", "/service/rma/{number}")
    config.add_route("service_rma_withdraw", "/service/rma/{number}/withdraw")
    config.add_route("service_rma_photo", "/service/rma/{number}/photos/{file}")
    # A request's photos and the form around them: more than the 1 MiB other forms may send.
    config.allow_upload("order_after_sales", MAX_UPLOAD_BYTES)


def _translated(request: Request, errors: dict[str, Any]) -> dict[str, str]:
    translate = request.localizer.translate
    found: dict[str, str] = {}
    for path, message in errors.items():
        key = path if path.startswith("lines.") else path.split(".")[0]
        found.setdefault(key, translate(message))
    return found


def _new_page(request: Request, *, errors: dict[str, Any] | None = None,
              form: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    options = request.shop.rma.options(request.matchdict["number"])
    return {"options": options, "errors": _translated(request, errors or {}),
            "form": echoed(form or {}), "max_photos": MAX_PHOTOS,
            "max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)}


@view_config(route_name="order_after_sales", request_method="GET", renderer=NEW_PAGE,
             permission=SELF)
def new_request(request: Request) -> dict[str, Any]:
    return _new_page(request)


@view_config(route_name="order_after_sales", request_method="POST", renderer=NEW_PAGE,
             permission=SELF)
def ask(request: Request) -> Any:
    number = request.matchdict["number"]
    form = {"kind": request.POST.get("kind", ""), "reason": request.POST.get("reason", ""),
            "description": request.POST.get("description", "")}
    quantities = {key: value for key, value in request.POST.items()
                  if key.startswith("quantity-") and isinstance(value, str)}
    form.update(quantities)
    lines = [{"line": key.removeprefix("quantity-"), "quantity": value or "0"}
             for key, value in quantities.items()]
    # A file input left empty still sends a part with no name and no bytes: not a photo.
    photos = [data for data in (upload.file.read() for upload in request.POST.getall("photos")
                                if getattr(upload, "filename", "")) if data][:MAX_PHOTOS + 1]
    try:
        made = request.shop.rma.request(number, {**form, "lines": lines}, photos)
    except Invalid as exc:
        return _new_page(request, errors=exc.errors, form=form, status=400)
    except Conflict as exc:
        return _new_page(request, errors={"_": exc.args[0]}, form=form, status=409)
    return HTTPSeeOther(location=request.route_path("service_rma", number=made.number,
                                                    _query={"done": "asked"}))


def _center(request: Request, *, errors: dict[str, Any] | None = None,
            form: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    done = DONE.get(request.GET.get("done", "")) if status == 200 else None
    return {"page": request.shop.rma.mine(request.GET.get("before") or None),
            "tickets": request.shop.rma.my_tickets(), "ticket_kinds": TICKET_KINDS,
            "errors": _translated(request, errors or {}), "form": echoed(form or {}),
            "notice": request.localizer.translate(done) if done is not None else None}


@view_config(route_name="service_center", request_method="GET", renderer=CENTER,
             permission=SELF)
def center(request: Request) -> dict[str, Any]:
    return _center(request)


@view_config(route_name="service_ticket_new", request_method="POST", renderer=CENTER,
             permission=SELF)
def new_ticket(request: Request) -> Any:
    form = {name: request.POST.get(name, "") for name in ("kind", "subject", "body")}
    try:
        request.shop.rma.submit_ticket(form)
    except Invalid as exc:
        return _center(request, errors=exc.errors, form=form, status=400)
    return HTTPSeeOther(location=request.route_path("service_center",
                                                    _query={"done": "ticket"}))


@view_config(route_name="service_rma", request_method="GET", renderer=DETAIL,
             permission=SELF)
def detail(request: Request, conflict: Any = None) -> dict[str, Any]:
    done = DONE.get(request.GET.get("done", "")) if conflict is None else None
    translate = request.localizer.translate
    return {"rma": request.shop.rma.get(request.matchdict["number"]),
            "notice": translate(done) if done is not None else None,
            "conflict": translate(conflict) if conflict is not None else None}


@view_config(route_name="service_rma_withdraw", request_method="POST", renderer=DETAIL,
             permission=SELF)
def withdraw(request: Request) -> Any:
    number = request.matchdict["number"]
    try:
        request.shop.rma.withdraw(number)
    except Conflict as exc:
        request.response.status_int = 409
        return detail(request, conflict=exc.args[0] if exc.args else None)
    return HTTPSeeOther(location=request.route_path("service_rma", number=number,
                                                    _query={"done": "withdrawn"}))


@view_config(route_name="service_rma_photo", request_method="GET", permission=SELF)
def photo(request: Request) -> Response:
    path, content_type = request.shop.rma.photo(request.matchdict["number"],
                                                request.matchdict["file"])
    response = FileResponse(str(path), request=request, content_type=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
