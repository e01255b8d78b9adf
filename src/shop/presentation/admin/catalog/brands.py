"""Brands (品牌): the list, a new brand, editing one, and hiding or showing it."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import BrandRow
from shop.application.catalog.schemas import BrandSchema
from shop.presentation.admin.catalog import VIEW, WRITE
from shop.presentation.admin.forms import see_other
from shop.presentation.admin.schema_form import SchemaForm
from shop.presentation.i18n import _
from shop.presentation.templating import template

LIST = template("admin/catalog_brands.jinja2")
FORM = template("admin/catalog_form.jinja2")
TITLES = {"slug": _("Slug"), "name_zh": _("Name (Chinese)"), "name_en": _("Name (English)")}
DESCRIPTIONS = {"slug": _("Lower-case letters, digits and single hyphens; the brand's address "
                          "in the shop: /b/slug.")}


def includeme(config: Configurator) -> None:
    base = "/admin/catalog/brands"
    config.add_route("admin_catalog_brands", base)
    config.add_route("admin_catalog_brands_new", f"{base}/new")
    config.add_route("admin_catalog_brands_edit", rf"{base}/{{id:[0-9]+}}")
    config.add_route("admin_catalog_brands_hide", rf"{base}/{{id:[0-9]+}}/hide")
    config.add_route("admin_catalog_brands_show", rf"{base}/{{id:[0-9]+}}/show")


@view_config(route_name="admin_catalog_brands", request_method="GET", renderer=LIST,
             permission=VIEW)
def brand_list(request: Request) -> dict[str, Any]:
    return {"brands": request.shop.brands.brands(), "may_write": request.actor.can(WRITE)}


def _form(request: Request, action: str, submit: Any) -> SchemaForm:
    return SchemaForm(request, BrandSchema(), formid="brand-form", action=action,
                      submit=submit, titles=TITLES, descriptions=DESCRIPTIONS)


def _page(request: Request, title: Any, markup: Any) -> dict[str, Any]:
    return {"title": title, "forms": [(None, markup)], "saved": "saved" in request.GET,
            "back": (request.route_path("admin_catalog_brands"), _("Back to the brands"))}


def _saved(request: Request, brand: BrandRow) -> HTTPSeeOther:
    return see_other(request, "admin_catalog_brands_edit", id=brand.id, _query={"saved": "1"})


@view_config(route_name="admin_catalog_brands_new", renderer=FORM, permission=WRITE,
             request_method=("GET", "POST"))
def brand_new(request: Request) -> dict[str, Any] | HTTPSeeOther:
    form = _form(request, request.route_path("admin_catalog_brands_new"), _("Create"))
    if request.method == "POST":
        created = form.submit(request.shop.brands.create)
        if created is not None:
            return _saved(request, created)
        return _page(request, _("New brand"), form.render())
    return _page(request, _("New brand"), form.render({}))


@view_config(route_name="admin_catalog_brands_edit", renderer=FORM, permission=WRITE,
             request_method=("GET", "POST"))
def brand_edit(request: Request) -> dict[str, Any] | HTTPSeeOther:
    brands = request.shop.brands
    brand = brands.brand(request.matchdict["id"])
    form = _form(request, request.route_path("admin_catalog_brands_edit", id=brand.id),
                 _("Save"))
    if request.method == "POST":
        if form.submit(lambda data: brands.update(brand.id, data)) is not None:
            return _saved(request, brand)
        return _page(request, brand.name, form.render())
    return _page(request, brand.name, form.render(
        {"slug": brand.slug, "name_zh": brand.name_zh, "name_en": brand.name_en}))


@view_config(route_name="admin_catalog_brands_hide", request_method="POST", permission=WRITE)
def brand_hide(request: Request) -> HTTPSeeOther:
    request.shop.brands.hide(request.matchdict["id"])
    return see_other(request, "admin_catalog_brands")


@view_config(route_name="admin_catalog_brands_show", request_method="POST", permission=WRITE)
def brand_show(request: Request) -> HTTPSeeOther:
    request.shop.brands.show(request.matchdict["id"])
    return see_other(request, "admin_catalog_brands")
