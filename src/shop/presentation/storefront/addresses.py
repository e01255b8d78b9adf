"""The address book pages (/account/addresses) and the public region lookup (/regions/{code}).

The form works without JavaScript: the region selects are filled in steps, each "update the
list" button posting the form back to be shown with the next select's options (nothing is saved
until "Save"). With JavaScript, ``static/addresses.js`` fills the next select from
``/regions/{code}`` instead.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.addresses.service import MAX_ADDRESSES
from shop.presentation.security import PUBLIC
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

FIELDS = ("recipient", "mobile", "province", "city", "district", "street", "postcode",
          "is_default")
FORM = template("addresses/form.jinja2")
ONE_DAY = 24 * 3600


def posted_address(request: Request) -> dict[str, Any]:
    """The address fields of the posted form, as text, to show back."""
    return {name: request.POST.get(name, "") for name in FIELDS}


def address_form_context(request: Request, values: dict[str, Any],
                         errors: dict[str, Any]) -> dict[str, Any]:
    """What ``addresses/_fields.jinja2`` shows: the values echoed, the messages translated,
    the region selects' options for the province and city chosen so far. Here and on the
    checkout page's "new address" form."""
    # Translated here, not in the template: colander's messages are in their own domain.
    errors = {name: request.localizer.translate(msg) for name, msg in errors.items()}
    choices = request.shop.regions.choices(values.get("province"), values.get("city"))
    return {"values": echoed(values), "errors": errors, "choices": choices}


def _form(request: Request, values: dict[str, Any], errors: dict[str, Any],
          address_id: int | None = None) -> dict[str, Any]:
    if errors:
        request.response.status_int = 400
    return {**address_form_context(request, values, errors), "address_id": address_id}


def _back(request: Request) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.route_path("address_list"))


@view_config(route_name="address_list", request_method="GET",
             renderer=template("addresses/list.jinja2"), permission=Permission.ACCOUNT_SELF)
def address_list(request: Request) -> dict[str, Any]:
    return {"addresses": request.shop.addresses.list(), "max_addresses": MAX_ADDRESSES}


@view_config(route_name="address_new", request_method="GET", renderer=FORM,
             permission=Permission.ACCOUNT_SELF)
def address_new(request: Request) -> dict[str, Any]:
    return _form(request, {}, {})


@view_config(route_name="address_new", request_method="POST", renderer=FORM,
             permission=Permission.ACCOUNT_SELF)
def address_create(request: Request) -> Any:
    values = posted_address(request)
    if "choose_region" in request.POST:
        return _form(request, values, {})
    try:
        # The whole post goes in: the service keeps only the address fields it knows.
        request.shop.addresses.add(request.POST)
    except Invalid as exc:
        return _form(request, values, exc.errors)
    return _back(request)


@view_config(route_name="address_edit", request_method="GET", renderer=FORM,
             permission=Permission.ACCOUNT_SELF)
def address_edit(request: Request) -> dict[str, Any]:
    address = request.shop.addresses.get(request.matchdict["id"])
    return _form(request, address.form_values, {}, address.id)


@view_config(route_name="address_edit", request_method="POST", renderer=FORM,
             permission=Permission.ACCOUNT_SELF)
def address_update(request: Request) -> Any:
    address_id = request.matchdict["id"]
    values = posted_address(request)
    if "choose_region" in request.POST:
        return _form(request, values, {}, request.shop.addresses.get(address_id).id)
    try:
        request.shop.addresses.update(address_id, request.POST)
    except Invalid as exc:  # raised only after the address was found to be the shopper's
        return _form(request, values, exc.errors, int(address_id))
    return _back(request)


@view_config(route_name="address_delete", request_method="POST",
             permission=Permission.ACCOUNT_SELF)
def address_delete(request: Request) -> HTTPSeeOther:
    request.shop.addresses.delete(request.matchdict["id"])
    return _back(request)


@view_config(route_name="address_default", request_method="POST",
             permission=Permission.ACCOUNT_SELF)
def address_default(request: Request) -> HTTPSeeOther:
    request.shop.addresses.make_default(request.matchdict["id"])
    return _back(request)


@view_config(route_name="region_children", request_method="GET", renderer="json",
             permission=PUBLIC)
def region_children(request: Request) -> list[dict[str, str]]:
    """The cities of a province or the districts of a city, for the address form's script."""
    children = request.shop.regions.children(request.matchdict["code"])
    request.response.cache_control.public = True  # the same table for everyone
    request.response.cache_control.max_age = ONE_DAY
    return [{"code": region.code, "name": region.name} for region in children]


def includeme(config: Configurator) -> None:
    config.add_route("address_list", "/account/addresses")
    config.add_route("address_new", "/account/addresses/new")
    config.add_route("address_edit", r"/account/addresses/{id:[0-9]+}/edit")
    config.add_route("address_delete", r"/account/addresses/{id:[0-9]+}/delete")
    config.add_route("address_default", r"/account/addresses/{id:[0-9]+}/default")
    config.add_route("region_children", r"/regions/{code:[0-9]+}")
