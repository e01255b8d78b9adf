"""Attributes (属性) and their values: the list, a new attribute with its first value, editing
one, and its values (add, rename, up and down, delete when unused)."""

from __future__ import annotations

from typing import Any

import deform
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import AttributeDetail, Conflict, Invalid
from shop.application.catalog.schemas import (
    AttributeEditSchema,
    AttributeSchema,
    AttributeValueEditSchema,
    AttributeValueSchema,
)
from shop.presentation.admin.catalog import VIEW, WRITE
from shop.presentation.admin.forms import form_errors, message, see_other
from shop.presentation.admin.schema_form import SchemaForm
from shop.presentation.i18n import _
from shop.presentation.templating import template

LIST = template("admin/catalog_attributes.jinja2")
FORM = template("admin/catalog_form.jinja2")
EDIT = template("admin/catalog_attribute.jinja2")
_CODE_HELP = _("Lower-case letters, digits and single hyphens; listings' links and product "
               "imports name it by its code, so it cannot change later.")
TITLES = {"code": _("Code"), "name_zh": _("Name (Chinese)"), "name_en": _("Name (English)"),
          "is_variant_axis": _("Variant axis: each SKU of a product has its own value"),
          "is_facet": _("Filter: shoppers narrow listings by it"),
          "values": _("First value"), "values.*": _("Value"), "values.code": _("Code"),
          "values.name_zh": _("Name (Chinese)"), "values.name_en": _("Name (English)")}
DESCRIPTIONS = {"code": _CODE_HELP, "values.code": _CODE_HELP}


def includeme(config: Configurator) -> None:
    base = "/admin/catalog/attributes"
    value = rf"{base}/{{id:[0-9]+}}/values/{{code}}"
    config.add_route("admin_catalog_attributes", base)
    config.add_route("admin_catalog_attributes_new", f"{base}/new")
    config.add_route("admin_catalog_attributes_edit", rf"{base}/{{id:[0-9]+}}")
    config.add_route("admin_catalog_attributes_values", rf"{base}/{{id:[0-9]+}}/values")
    config.add_route("admin_catalog_attributes_value", value)
    config.add_route("admin_catalog_attributes_value_place", f"{value}/place")
    config.add_route("admin_catalog_attributes_value_delete", f"{value}/delete")


@view_config(route_name="admin_catalog_attributes", request_method="GET", renderer=LIST,
             permission=VIEW)
def attribute_list(request: Request) -> dict[str, Any]:
    return {"attributes": request.shop.attributes.attributes(),
            "may_write": request.actor.can(WRITE)}


def _form(request: Request, schema: Any, *, formid: str, action: str, submit: Any,
          focus: bool = True) -> SchemaForm:
    widgets = ({"values": deform.widget.SequenceWidget(min_len=1)} if "values" in schema
               else {})
    return SchemaForm(request, schema, formid=formid, action=action, submit=submit,
                      titles=TITLES, descriptions=DESCRIPTIONS, widgets=widgets, focus=focus)


def _back(request: Request) -> tuple[str, Any]:
    return request.route_path("admin_catalog_attributes"), _("Back to the attributes")


@view_config(route_name="admin_catalog_attributes_new", renderer=FORM, permission=WRITE,
             request_method=("GET", "POST"))
def attribute_new(request: Request) -> dict[str, Any] | HTTPSeeOther:
    form = _form(request, AttributeSchema(), formid="attribute-form", submit=_("Create"),
                 action=request.route_path("admin_catalog_attributes_new"))
    page = {"title": _("New attribute"), "saved": False, "back": _back(request)}
    if request.method == "POST":
        created = form.submit(request.shop.attributes.create)
        if created is not None:
            return _saved(request, created)
        return {**page, "forms": [(None, form.render())]}
    return {**page, "forms": [(None, form.render({"is_facet": True}))]}


# -- one attribute and its values ----------------------------------------------------------


def _edit_form(request: Request, detail: AttributeDetail) -> SchemaForm:
    return _form(request, AttributeEditSchema(), formid="attribute-form", submit=_("Save"),
                 action=request.route_path("admin_catalog_attributes_edit",
                                           id=detail.attribute.id))


def _add_form(request: Request, detail: AttributeDetail) -> SchemaForm:
    return _form(request, AttributeValueSchema(), formid="value-form", submit=_("Add"),
                 focus=False, action=request.route_path("admin_catalog_attributes_values",
                                                        id=detail.attribute.id))


def _edit_page(request: Request, detail: AttributeDetail, *, edit: SchemaForm | None = None,
               add: SchemaForm | None = None, error: str | None = None) -> dict[str, Any]:
    attribute = detail.attribute
    return {
        "title": attribute.name, "detail": detail, "saved": "saved" in request.GET,
        "error": error, "back": _back(request),
        "forms": [
            (None, edit.render() if edit else _edit_form(request, detail).render({
                "name_zh": attribute.name_zh, "name_en": attribute.name_en,
                "is_variant_axis": attribute.is_variant_axis, "is_facet": attribute.is_facet})),
        ],
        "add_form": add.render() if add else _add_form(request, detail).render({}),
    }


def _saved(request: Request, detail: AttributeDetail) -> HTTPSeeOther:
    return see_other(request, "admin_catalog_attributes_edit", id=detail.attribute.id,
                     _query={"saved": "1"})


@view_config(route_name="admin_catalog_attributes_edit", renderer=EDIT, permission=WRITE,
             request_method=("GET", "POST"))
def attribute_edit(request: Request) -> dict[str, Any] | HTTPSeeOther:
    attributes = request.shop.attributes
    detail = attributes.attribute(request.matchdict["id"])
    if request.method == "POST":
        form = _edit_form(request, detail)
        if form.submit(lambda data: attributes.update(detail.attribute.id, data)) is not None:
            return _saved(request, detail)
        return _edit_page(request, detail, edit=form)
    return _edit_page(request, detail)


@view_config(route_name="admin_catalog_attributes_values", request_method="POST",
             renderer=EDIT, permission=WRITE)
def value_add(request: Request) -> dict[str, Any] | HTTPSeeOther:
    attributes = request.shop.attributes
    detail = attributes.attribute(request.matchdict["id"])
    form = _add_form(request, detail)
    if form.submit(lambda data: attributes.add_value(detail.attribute.id, data)) is not None:
        return _saved(request, detail)
    return _edit_page(request, detail, add=form)


@view_config(route_name="admin_catalog_attributes_value", renderer=FORM, permission=WRITE,
             request_method=("GET", "POST"))
def value_rename(request: Request) -> dict[str, Any] | HTTPSeeOther:
    attributes = request.shop.attributes
    detail = attributes.attribute(request.matchdict["id"])
    value = detail.value(request.matchdict["code"])
    form = _form(request, AttributeValueEditSchema(), formid="value-form", submit=_("Save"),
                 action=request.route_path("admin_catalog_attributes_value",
                                           id=detail.attribute.id, code=value.code))
    if request.method == "POST":
        renamed = form.submit(lambda data: attributes.rename_value(detail.attribute.id,
                                                                   value.code, data))
        if renamed is not None:
            return _saved(request, detail)
        markup = form.render()
    else:
        markup = form.render({"name_zh": value.name_zh, "name_en": value.name_en})
    return {"title": f"{detail.attribute.name}: {value.name}", "forms": [(None, markup)],
            "saved": False, "back": (request.route_path("admin_catalog_attributes_edit",
                                                        id=detail.attribute.id),
                                     _("Back to the attribute"))}


@view_config(route_name="admin_catalog_attributes_value_place", request_method="POST",
             renderer=EDIT, permission=WRITE)
def value_place(request: Request) -> dict[str, Any] | HTTPSeeOther:
    """The values' up and down buttons."""
    attributes = request.shop.attributes
    detail = attributes.attribute(request.matchdict["id"])
    try:
        detail = attributes.reorder_value(detail.attribute.id, request.matchdict["code"],
                                          {"place": request.POST.get("place", "")})
    except Invalid as exc:
        request.response.status_int = 400
        return _edit_page(request, detail, error=" ".join(form_errors(request, exc).values()))
    return see_other(request, "admin_catalog_attributes_edit", id=detail.attribute.id)


@view_config(route_name="admin_catalog_attributes_value_delete", request_method="POST",
             renderer=EDIT, permission=WRITE)
def value_delete(request: Request) -> dict[str, Any] | HTTPSeeOther:
    attributes = request.shop.attributes
    detail = attributes.attribute(request.matchdict["id"])
    try:
        detail = attributes.delete_value(detail.attribute.id, request.matchdict["code"])
    except Conflict as exc:
        request.response.status_int = 409
        return _edit_page(request, detail, error=message(request, exc))
    return see_other(request, "admin_catalog_attributes_edit", id=detail.attribute.id)
