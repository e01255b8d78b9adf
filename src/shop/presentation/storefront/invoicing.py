"""The shopper's invoice titles (/account/invoice-titles): the list, an add form, delete.

The invoice fields of the checkout page are a partial, ``invoicing/_invoice_fields.jinja2``,
which the checkout page includes; its ``title_fields`` macro is the add form here too.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.invoicing.schemas import TITLE_FIELDS
from shop.application.invoicing.service import MAX_TITLES
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

PAGE = template("invoicing/titles.jinja2")


def translated_errors(request: Request, errors: dict[str, Any]) -> dict[str, str]:
    """Field messages in the visitor's language (colander's own in their own domain), for the
    invoice fields wherever they are shown: this page and the checkout page."""
    return {name: request.localizer.translate(message) for name, message in errors.items()}


def _page(request: Request, values: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    if errors:
        request.response.status_int = 400
    return {"titles": request.shop.invoices.titles(), "max_titles": MAX_TITLES,
            "values": echoed(values), "errors": translated_errors(request, errors)}


@view_config(route_name="invoice_titles", request_method="GET", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def invoice_titles(request: Request) -> dict[str, Any]:
    return _page(request, {"title_kind": "company"}, {})


@view_config(route_name="invoice_titles", request_method="POST", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def invoice_title_add(request: Request) -> Any:
    try:
        # The whole post goes in: the service keeps only the title fields it knows.
        request.shop.invoices.save_title(request.POST)
    except Invalid as exc:
        return _page(request, {name: request.POST.get(name, "") for name in TITLE_FIELDS},
                     exc.errors)
    return HTTPSeeOther(location=request.route_path("invoice_titles"))


@view_config(route_name="invoice_title_delete", request_method="POST",
             permission=Permission.ACCOUNT_SELF)
def invoice_title_delete(request: Request) -> HTTPSeeOther:
    request.shop.invoices.delete_title(request.matchdict["id"])
    return HTTPSeeOther(location=request.route_path("invoice_titles"))


def includeme(config: Configurator) -> None:
    config.add_route("invoice_titles", "/account/invoice-titles")
    config.add_route("invoice_title_delete", r"/account/invoice-titles/{id:[0-9]+}/delete")
