"""Categories (分类): the tree, a new category, renaming and moving one, and the buttons that
put one in order among its siblings or hide and show it."""

from __future__ import annotations

from typing import Any

import deform
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import CategoryRow, Invalid
from shop.application.catalog.schemas import (
    CategoryEditSchema,
    CategoryMoveSchema,
    CategorySchema,
)
from shop.presentation.admin.catalog import VIEW, WRITE
from shop.presentation.admin.forms import form_errors, see_other
from shop.presentation.admin.schema_form import SchemaForm
from shop.presentation.i18n import _
from shop.presentation.templating import template

LIST = template("admin/catalog_categories.jinja2")
FORM = template("admin/catalog_form.jinja2")
TITLES = {"slug": _("Slug"), "name_zh": _("Name (Chinese)"), "name_en": _("Name (English)"),
          "parent": _("Parent category")}
DESCRIPTIONS = {"slug": _("Lower-case letters, digits and single hyphens; the category's "
                          "address in the shop: /c/slug.")}


def includeme(config: Configurator) -> None:
    base = "/admin/catalog/categories"
    config.add_route("admin_catalog_categories", base)
    config.add_route("admin_catalog_categories_new", f"{base}/new")
    config.add_route("admin_catalog_categories_edit", rf"{base}/{{id:[0-9]+}}")
    for action in ("move", "place", "hide", "show"):
        config.add_route(f"admin_catalog_categories_{action}", rf"{base}/{{id:[0-9]+}}/{action}")


@view_config(route_name="admin_catalog_categories", request_method="GET", renderer=LIST,
             permission=VIEW)
def category_tree(request: Request) -> dict[str, Any]:
    return {"rows": request.shop.categories.tree(), "may_write": request.actor.can(WRITE),
            "errors": {}}


def _parents(request: Request, moving: CategoryRow | None = None) -> list[tuple[str, str]]:
    """The parent choices, indented as the tree; a moving category's own subtree left out."""
    translate = request.localizer.translate
    choices = [("", translate(_("(At the top)")))]
    skip_depth: int | None = None
    for row in request.shop.categories.tree():
        if skip_depth is not None and row.depth > skip_depth:
            continue
        skip_depth = None
        if moving is not None and row.id == moving.id:
            skip_depth = row.depth
            continue
        choices.append((row.slug, "\u3000" * row.depth + row.name))
    return choices


def _category_form(request: Request, schema: Any, *, formid: str, action: str, submit: Any,
                   omit: tuple[str, ...] = (), moving: CategoryRow | None = None,
                   focus: bool = True) -> SchemaForm:
    widgets = ({"parent": deform.widget.SelectWidget(values=_parents(request, moving))}
               if "parent" in schema and "parent" not in omit else {})
    return SchemaForm(request, schema, formid=formid, action=action, submit=submit,
                      omit=omit, titles=TITLES, descriptions=DESCRIPTIONS, widgets=widgets,
                      focus=focus)


@view_config(route_name="admin_catalog_categories_new", renderer=FORM, permission=WRITE,
             request_method=("GET", "POST"))
def category_new(request: Request) -> dict[str, Any] | HTTPSeeOther:
    form = _category_form(request, CategorySchema(), formid="category-form",
                          action=request.route_path("admin_catalog_categories_new"),
                          submit=_("Create"), omit=("position",))
    if request.method == "POST":
        created = form.submit(request.shop.categories.create)
        if created is not None:
            return see_other(request, "admin_catalog_categories_edit", id=created.id,
                             _query={"saved": "1"})
        return _page(request, _("New category"), [(None, form.render())])
    return _page(request, _("New category"),
                 [(None, form.render({"parent": request.GET.get("parent", "")}))])


def _rename_form(request: Request, row: CategoryRow) -> SchemaForm:
    return _category_form(
        request, CategoryEditSchema(), formid="category-form", submit=_("Save"),
        action=request.route_path("admin_catalog_categories_edit", id=row.id))


def _move_form(request: Request, row: CategoryRow) -> SchemaForm:
    return _category_form(
        request, CategoryMoveSchema(), formid="move-form", submit=_("Move"), moving=row,
        focus=False,
        action=request.route_path("admin_catalog_categories_move", id=row.id))


def _edit_page(request: Request, row: CategoryRow, rename: SchemaForm | None = None,
               move: SchemaForm | None = None) -> dict[str, Any]:
    values = {"slug": row.slug, "name_zh": row.name_zh, "name_en": row.name_en}
    return _page(request, row.name, [
        (None, rename.render() if rename else _rename_form(request, row).render(values)),
        (_("Move with everything under it"), move.render() if move else
         _move_form(request, row).render({"parent": row.parent_slug or ""})),
    ], category=row)


@view_config(route_name="admin_catalog_categories_edit", renderer=FORM, permission=WRITE,
             request_method=("GET", "POST"))
def category_edit(request: Request) -> dict[str, Any] | HTTPSeeOther:
    categories = request.shop.categories
    row = categories.category(request.matchdict["id"])
    if request.method == "POST":
        form = _rename_form(request, row)
        if form.submit(lambda data: categories.rename(row.id, data)) is not None:
            return _saved(request, row)
        return _edit_page(request, row, rename=form)
    return _edit_page(request, row)


@view_config(route_name="admin_catalog_categories_move", request_method="POST", renderer=FORM,
             permission=WRITE)
def category_move(request: Request) -> dict[str, Any] | HTTPSeeOther:
    categories = request.shop.categories
    row = categories.category(request.matchdict["id"])
    form = _move_form(request, row)
    if form.submit(lambda data: categories.move(row.id, data)) is not None:
        return _saved(request, row)
    return _edit_page(request, row, move=form)


@view_config(route_name="admin_catalog_categories_place", request_method="POST",
             renderer=LIST, permission=WRITE)
def category_place(request: Request) -> dict[str, Any] | HTTPSeeOther:
    """The list's up and down buttons: the category's new place among its siblings."""
    try:
        request.shop.categories.reorder(request.matchdict["id"],
                                        {"place": request.POST.get("place", "")})
    except Invalid as exc:
        request.response.status_int = 400
        return {**category_tree(request), "errors": form_errors(request, exc)}
    return see_other(request, "admin_catalog_categories")


@view_config(route_name="admin_catalog_categories_hide", request_method="POST",
             permission=WRITE)
def category_hide(request: Request) -> HTTPSeeOther:
    request.shop.categories.hide(request.matchdict["id"])
    return see_other(request, "admin_catalog_categories")


@view_config(route_name="admin_catalog_categories_show", request_method="POST",
             permission=WRITE)
def category_show(request: Request) -> HTTPSeeOther:
    request.shop.categories.show(request.matchdict["id"])
    return see_other(request, "admin_catalog_categories")


def _saved(request: Request, row: CategoryRow) -> HTTPSeeOther:
    return see_other(request, "admin_catalog_categories_edit", id=row.id,
                     _query={"saved": "1"})


def _page(request: Request, title: Any, forms: list[tuple[Any, Any]],
          **extra: Any) -> dict[str, Any]:
    return {"title": title, "forms": forms, "saved": "saved" in request.GET,
            "back": (request.route_path("admin_catalog_categories"), _("Back to the tree")),
            **extra}
