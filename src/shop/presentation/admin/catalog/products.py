"""Products (商品): the list (filters, search, sorts, keyset pages, bulk actions with a preview),
a new product with its first SKU, the editor (the product, its
SKUs, publishing and scheduling, one more SKU), and the variant generator (批量生成 SKU)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import colander
import deform
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from shop.application import Invalid, ProductEditor, Upload, ValueChoice
from shop.application.catalog.product_list import ACTIONS, BULK_LIMIT, SORTS, STATES, BulkPlan
from shop.application.catalog.schemas import ProductSchema, SkuSchema
from shop.application.catalog.variant_generator import VariantGeneratorSchema
from shop.presentation.admin.catalog import VIEW, WRITE
from shop.presentation.admin.forms import form_errors, posted, refused_filters, see_other
from shop.presentation.admin.schema_form import SchemaForm
from shop.presentation.admin.table_export import Reading, Table, export_response
from shop.presentation.i18n import _
from shop.presentation.templating import template

LIST = template("admin/catalog_products.jinja2")
FORM = template("admin/catalog_form.jinja2")
EDITOR = template("admin/catalog_product.jinja2")
VARIANTS = template("admin/catalog_variants.jinja2")
BULK = template("admin/catalog_products_bulk.jinja2")
EXPORT = Table(
    "products",
    (_("Product number"), _("Slug"), _("Name (Chinese)"), _("Name (English)"), _("Category"),
     _("Brand"), _("State"), _("Publish at"), _("SKU code"), _("Barcode"), _("Price"),
     _("List price"), _("Weight (grams)")),
    amounts=frozenset({10, 11}), numbers=frozenset({0, 12}))
FILTERS = ("q", "category", "brand", "state", "min_price", "max_price", "sort")
_SKU_TITLES = {"code": _("SKU code"), "price": _("Price"), "list_price": _("List price"),
               "stock_on_hand": _("Opening stock"), "weight_grams": _("Weight (grams)"),
               "barcode": _("Barcode"), "values": _("Variant values")}
TITLES = {
    "slug": _("Slug"), "name_zh": _("Name (Chinese)"), "name_en": _("Name (English)"),
    "description_html": _("Description"), "category": _("Category"), "brand": _("Brand"),
    "is_published": _("Shown in the shop"), "sort_order": _("Sort order"),
    "reserves_stock": _("Reserve stock when an order is placed (otherwise at payment)"),
    "values": _("Product attributes"), "skus": _("SKUs"), "skus.*": _("SKU"),
    "publish_at": _("Publish at"),
    **{f"skus.{name}": title for name, title in _SKU_TITLES.items()},
}
DESCRIPTIONS = {
    "slug": _("Lower-case letters, digits and single hyphens; the product's address in the "
              "shop: /p/slug."),
    "description_html": _("HTML; scripts, styles and event handlers are removed when saved."),
    "publish_at": _("A hidden product goes live by itself at this time (the shop's time "
                    "zone); leave empty for none."),
    "skus.code": _("Orders, stock and imports name a SKU by its code: it cannot change later."),
    "skus.list_price": _("Struck through beside the price; not below it."),
}
GENERATOR_TITLES = {
    "values": _("Values of the variant axes"), "pattern": _("Code pattern"),
    "price_rule": _("Price rule"), "price": _("Price"), "list_price": _("List price"),
    "adjustments": _("Adjustments per value"), "stock_on_hand": _("Opening stock of each"),
    "weight_grams": _("Weight (grams)"),
}
GENERATOR_DESCRIPTIONS = {
    "pattern": _("{product} is the product's slug; {colour}, {size} … the value's code of "
                 "that attribute."),
    "adjustments": _("With “base price plus adjustments”: one value and an amount a line, "
                     "e.g. size:xxl +10.00"),
}


def includeme(config: Configurator) -> None:
    base = "/admin/catalog/products"
    one = rf"{base}/{{id:[0-9]+}}"
    config.add_route("admin_catalog_products", base)
    config.add_route("admin_catalog_products_new", f"{base}/new")
    # Writes on GET: an export is itself recorded in the audit log.
    config.add_route("admin_catalog_products_export", base + "/export.{fmt:csv|xlsx}",
                     writes_on_get=True)
    config.add_route("admin_catalog_products_bulk", f"{base}/bulk")
    config.add_route("admin_catalog_products_bulk_apply", f"{base}/bulk/apply")
    config.add_route("admin_catalog_products_edit", one)
    config.add_route("admin_catalog_products_sku", f"{one}/skus")
    config.add_route("admin_catalog_products_variants", f"{one}/variants")
    config.add_route("admin_catalog_products_publish", f"{one}/publish")
    config.add_route("admin_catalog_products_unpublish", f"{one}/unpublish")
    config.add_route("admin_catalog_products_images", f"{one}/images")
    image = rf"{one}/images/{{image:[0-9]+}}"
    config.add_route("admin_catalog_products_image_place", f"{image}/place")
    config.add_route("admin_catalog_products_image_delete", f"{image}/delete")
    # An image and the form around it: more than the 1 MiB other forms may send.
    config.allow_upload("admin_catalog_products_images",
                        config.registry.shop.media.max_image_bytes + 64 * 1024)


def _list_params(request: Request) -> dict[str, str]:
    return {key: request.GET[key] for key in (*FILTERS, "after") if request.GET.get(key)}


def _list_page(request: Request) -> dict[str, Any]:
    """What the list shows besides the products: its choices and what the staff may do."""
    translate = request.localizer.translate
    return {"may_write": request.actor.can(WRITE), "errors": {},
            "states": [(k, translate(v)) for k, v in STATES.items()],
            "sorts": [(k, translate(v)) for k, v in SORTS.items()],
            "actions": [(k, translate(v)) for k, v in ACTIONS.items()],
            "bulk_limit": BULK_LIMIT, "changed": request.GET.get("changed", "")[:6]}


def _list_refused(request: Request, params: dict[str, str], exc: Invalid) -> dict[str, Any]:
    categories, brands = request.shop.products.filter_choices()
    return {**_list_page(request), **refused_filters(request, params, exc),
            "categories": categories, "brands": brands}


@view_config(route_name="admin_catalog_products", request_method="GET", renderer=LIST,
             permission=VIEW)
def product_list(request: Request) -> dict[str, Any]:
    params = _list_params(request)
    try:
        listing = request.shop.products.products(params)
    except Invalid as exc:
        return _list_refused(request, params, exc)
    return {**_list_page(request), "page": listing, "filters": listing.filters,
            "categories": listing.categories, "brands": listing.brands}


@view_config(route_name="admin_catalog_products_export", request_method="GET", renderer=LIST,
             permission=VIEW)
def product_export(request: Request) -> Any:
    """Every SKU of the products the list's filters match, as CSV or XLSX, read a batch at a
    time by ``uow.products.export_rows``; refused filters show the list again (400)."""
    fmt = request.matchdict["fmt"]
    params = _list_params(request)
    try:
        filters = request.shop.products.begin_export(params, fmt)
    except Invalid as exc:
        return _list_refused(request, params, exc)

    def read(reading: Reading) -> Iterator[list[object]]:
        states = {key: reading.text(label) for key, label in STATES.items()}
        for row in reading.tx.products.export_rows(filters):
            yield [row.product_id, row.slug, row.name_zh, row.name_en, row.category,
                   row.brand, states[row.state], reading.when(row.publish_at), row.sku_code,
                   row.barcode, row.price, row.list_price, row.weight_grams]

    response: Response = export_response(request, fmt, EXPORT, read)
    return response


# -- bulk actions ----------------------------------------------------------------------------


def _bulk_data(request: Request) -> dict[str, Any]:
    data = posted(request, ("action", "scope", "category", "change", "fingerprint"),
                  lists=("products",))
    data["filters"] = {key: request.POST[f"filter_{key}"] for key in FILTERS
                       if request.POST.get(f"filter_{key}")}
    return data


def _bulk_page(request: Request, plan: BulkPlan | None, *, status: int = 200,
               errors: dict[str, str] | None = None, stale: bool = False) -> dict[str, Any]:
    request.response.status_int = status
    return {"plan": plan, "errors": errors or {}, "stale": stale,
            "back": (request.route_path("admin_catalog_products"), _("Back to the products"))}


@view_config(route_name="admin_catalog_products_bulk", request_method="POST", renderer=BULK,
             permission=WRITE)
def bulk_preview(request: Request) -> dict[str, Any]:
    """What the chosen action would change, with the form that applies it."""
    try:
        plan = request.shop.products.bulk_preview(_bulk_data(request))
    except Invalid as exc:
        return _bulk_page(request, None, status=400, errors=form_errors(request, exc))
    return _bulk_page(request, plan)


@view_config(route_name="admin_catalog_products_bulk_apply", request_method="POST",
             renderer=BULK, permission=WRITE)
def bulk_apply(request: Request) -> dict[str, Any] | HTTPSeeOther:
    """Apply what the preview showed; when the catalog changed since, the new preview (409)."""
    try:
        outcome = request.shop.products.bulk_apply(_bulk_data(request))
    except Invalid as exc:
        return _bulk_page(request, None, status=400, errors=form_errors(request, exc))
    if not outcome.applied:
        return _bulk_page(request, outcome.plan, status=409, stale=True)
    return see_other(request, "admin_catalog_products",
                     _query={"changed": str(len(outcome.plan.changes))})


# -- the product form -----------------------------------------------------------------------


def _select(choices: list[tuple[str, str]], multiple: bool = False) -> deform.widget.Widget:
    return deform.widget.SelectWidget(values=choices, multiple=multiple,
                                      size=min(len(choices), 8) if multiple else None)


def _widgets(request: Request, choices: tuple[ValueChoice, ...], *,
             editing: bool) -> dict[str, Any]:
    translate = request.localizer.translate
    categories = [(row.slug, "\u3000" * row.depth + row.name)
                  for row in request.shop.categories.tree()]
    brands = [("", translate(_("(No brand)")))] + [(b.slug, b.name)
                                                   for b in request.shop.brands.brands()]
    widgets = {
        "description_html": deform.widget.TextAreaWidget(rows=8),
        "category": _select(categories),
        "brand": _select(brands),
        "values": _select([(c.code, c.label) for c in choices if not c.is_variant_axis], True),
        "skus.values": _select([(c.code, c.label) for c in choices if c.is_variant_axis],
                               True),
        "publish_at": deform.widget.TextInputWidget(
            attributes={"type": "datetime-local", "step": "60"}),
    }
    if editing:
        # The codes say which SKU each item is: shown, posted back, not typed over.
        widgets["skus.code"] = deform.widget.TextInputWidget(attributes={"readonly": "readonly"})
    else:
        widgets["skus"] = deform.widget.SequenceWidget(min_len=1)
    return widgets


def _product_schema(editing: bool) -> colander.SchemaNode:
    schema = ProductSchema().clone()
    if editing:
        # An existing SKU's stock is the inventory's; new SKUs have their own form.
        del schema["skus"].children[0]["stock_on_hand"]
    return schema


def _product_form(request: Request, choices: tuple[ValueChoice, ...], *, action: str,
                  submit: Any, editing: bool) -> SchemaForm:
    return SchemaForm(request, _product_schema(editing), formid="product-form", action=action,
                      submit=submit, titles=TITLES, descriptions=DESCRIPTIONS,
                      widgets=_widgets(request, choices, editing=editing), focus=not editing)


def _saved(request: Request, product: ProductEditor) -> HTTPSeeOther:
    return see_other(request, "admin_catalog_products_edit", id=product.id,
                     _query={"saved": "1"})


def _back(request: Request) -> tuple[str, Any]:
    return request.route_path("admin_catalog_products"), _("Back to the products")


@view_config(route_name="admin_catalog_products_new", renderer=FORM, permission=WRITE,
             request_method=("GET", "POST"))
def product_new(request: Request) -> dict[str, Any] | HTTPSeeOther:
    choices = request.shop.products.value_choices()
    form = _product_form(request, choices, action=request.route_path(
        "admin_catalog_products_new"), submit=_("Create"), editing=False)
    page = {"title": _("New product"), "saved": False, "back": _back(request)}
    if request.method == "POST":
        created = form.submit(request.shop.products.create)
        if created is not None:
            return _saved(request, created)
        return {**page, "forms": [(None, form.render())]}
    return {**page, "forms": [(None, form.render({"reserves_stock": True}))]}


# -- the editor -----------------------------------------------------------------------------


def _sku_form(request: Request, product: ProductEditor,
              choices: tuple[ValueChoice, ...]) -> SchemaForm:
    return SchemaForm(
        request, SkuSchema(), formid="sku-form", submit=_("Add the SKU"), focus=False,
        action=request.route_path("admin_catalog_products_sku", id=product.id),
        titles=_SKU_TITLES, descriptions={"code": DESCRIPTIONS["skus.code"]},
        widgets={"values": _select([(c.code, c.label) for c in choices if c.is_variant_axis],
                                   True)})


def _editor_page(request: Request, product: ProductEditor, choices: tuple[ValueChoice, ...],
                 *, edit: SchemaForm | None = None, add: SchemaForm | None = None,
                 **extra: Any) -> dict[str, Any]:
    zone = request.shop.settings.current().zone
    edit_markup = edit.render() if edit else _product_form(
        request, choices, action=request.route_path("admin_catalog_products_edit",
                                                    id=product.id),
        submit=_("Save"), editing=True).render(_without_stock(product.form_values(zone)))
    return {"title": product.name, "product": product, "saved": "saved" in request.GET,
            "back": _back(request), "forms": [(None, edit_markup)],
            "sku_form": add.render() if add else _sku_form(request, product,
                                                           choices).render({}),
            "image_errors": {}, "image_values": {}, **extra}


def _without_stock(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "skus": [{k: v for k, v in sku.items() if k != "stock_on_hand"}
                               for sku in values["skus"]]}


@view_config(route_name="admin_catalog_products_edit", renderer=EDITOR, permission=WRITE,
             request_method=("GET", "POST"))
def product_edit(request: Request) -> dict[str, Any] | HTTPSeeOther:
    products = request.shop.products
    product = products.product(request.matchdict["id"])
    choices = products.value_choices()
    if request.method == "POST":
        form = _product_form(request, choices, submit=_("Save"), editing=True,
                             action=request.route_path("admin_catalog_products_edit",
                                                       id=product.id))
        if form.submit(lambda data: products.update(product.id, data)) is not None:
            return _saved(request, product)
        return _editor_page(request, product, choices, edit=form)
    return _editor_page(request, product, choices)


@view_config(route_name="admin_catalog_products_sku", request_method="POST", renderer=EDITOR,
             permission=WRITE)
def sku_add(request: Request) -> dict[str, Any] | HTTPSeeOther:
    products = request.shop.products
    product = products.product(request.matchdict["id"])
    choices = products.value_choices()
    form = _sku_form(request, product, choices)
    if form.submit(lambda data: products.add_sku(product.id, data)) is not None:
        return _saved(request, product)
    return _editor_page(request, product, choices, add=form)


@view_config(route_name="admin_catalog_products_publish", request_method="POST",
             permission=WRITE)
def product_publish(request: Request) -> HTTPSeeOther:
    product = request.shop.products.publish(request.matchdict["id"])
    return see_other(request, "admin_catalog_products_edit", id=product.id)


@view_config(route_name="admin_catalog_products_unpublish", request_method="POST",
             permission=WRITE)
def product_unpublish(request: Request) -> HTTPSeeOther:
    product = request.shop.products.unpublish(request.matchdict["id"])
    return see_other(request, "admin_catalog_products_edit", id=product.id)


# -- images ---------------------------------------------------------------------------------


@view_config(route_name="admin_catalog_products_images", request_method="POST",
             renderer=EDITOR, permission=WRITE)
def image_add(request: Request) -> dict[str, Any] | HTTPSeeOther:
    products = request.shop.products
    product = products.product(request.matchdict["id"])
    field = request.POST.get("image")
    upload = Upload(field.file, field.filename or "") if hasattr(field, "file") else None
    try:
        products.add_image(product.id, upload, posted(request, ("alt_zh", "alt_en")))
    except Invalid as exc:
        request.response.status_int = 400
        return _editor_page(request, product, products.value_choices(),
                            image_errors=form_errors(request, exc),
                            image_values=posted(request, ("alt_zh", "alt_en")))
    return _saved(request, product)


@view_config(route_name="admin_catalog_products_image_place", request_method="POST",
             permission=WRITE)
def image_place(request: Request) -> HTTPSeeOther:
    """The gallery's arrows and its "make cover" button (place 1)."""
    products = request.shop.products
    try:
        product = products.move_image(request.matchdict["id"], request.matchdict["image"],
                                      {"place": request.POST.get("place", "")})
    except Invalid:
        raise HTTPBadRequest() from None  # no page of ours posts another place
    return see_other(request, "admin_catalog_products_edit", id=product.id)


@view_config(route_name="admin_catalog_products_image_delete", request_method="POST",
             permission=WRITE)
def image_delete(request: Request) -> HTTPSeeOther:
    product = request.shop.products.remove_image(request.matchdict["id"],
                                                 request.matchdict["image"])
    return see_other(request, "admin_catalog_products_edit", id=product.id)


# -- the variant generator ------------------------------------------------------------------


@view_config(route_name="admin_catalog_products_variants", renderer=VARIANTS,
             permission=WRITE, request_method=("GET", "POST"))
def variants(request: Request) -> dict[str, Any] | HTTPSeeOther:
    """Preview (the form's first button) shows what would be created; "Create" writes it."""
    products = request.shop.products
    product = products.product(request.matchdict["id"])
    translate = request.localizer.translate
    axis_values = [(c.code, c.label) for c in products.value_choices() if c.is_variant_axis]
    form = SchemaForm(
        request, VariantGeneratorSchema(), formid="variants-form", submit=_("Preview"),
        more_buttons=[("generate", _("Create the SKUs"))],
        action=request.route_path("admin_catalog_products_variants", id=product.id),
        titles=GENERATOR_TITLES, descriptions=GENERATOR_DESCRIPTIONS, widgets={
            "values": _select(axis_values, True),
            "price_rule": deform.widget.RadioChoiceWidget(values=[
                ("one", translate(_("One price for every SKU"))),
                ("adjusted", translate(_("Base price plus adjustments per value")))]),
            "adjustments": deform.widget.TextAreaWidget(rows=4)})
    page = {"title": product.name, "product": product, "plan": None, "back": (
        request.route_path("admin_catalog_products_edit", id=product.id),
        _("Back to the product"))}
    if request.method == "POST":
        if "generate" in request.POST:
            made = form.submit(lambda data: products.generate_variants(product.id, data))
            if made is not None:
                return _saved(request, product)
        else:
            page["plan"] = form.submit(lambda data: products.plan_variants(product.id, data))
        return {**page, "form": form.render()}
    axes = sorted({code.partition(":")[0] for code, _label in axis_values})
    pattern = "-".join(["{product}", *(f"{{{axis}}}" for axis in axes)])
    return {**page, "form": form.render({"pattern": pattern, "price_rule": "one"})}
