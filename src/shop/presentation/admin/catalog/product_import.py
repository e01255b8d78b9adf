"""Importing products from a file (批量导入商品): the upload form with its dry run, the report
of every bad row, and the template CSV.

The import runs inside the request (10,000 rows take seconds; see benchmarks/README.md); a
larger catalog goes through ``shop-admin INI catalog import FILE``, with no size limit but the
row limit. A successful import redirects (so reloading the page imports nothing twice) to the
form, which says how many products and SKUs came in.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from shop.application import ImportReport, Invalid, Upload
from shop.application.catalog.import_format import (
    COLUMNS,
    LIST_SEPARATOR,
    MAX_BYTES,
    MAX_ROWS,
    REQUIRED,
    template_csv,
)
from shop.presentation.admin.catalog import WRITE
from shop.presentation.admin.forms import form_errors
from shop.presentation.templating import template
from shop.presentation.untrusted import MAX_UPLOAD_BYTES

PAGE = template("admin/catalog_product_import.jinja2")
#: Bad rows a page lists at most (the command line lists them all).
SHOWN_ERRORS = 1000
DRY_RUN, IMPORT = "dry_run", "import"


def includeme(config: Configurator) -> None:
    base = "/admin/catalog/products/import"
    config.add_route("admin_catalog_products_import", base)
    config.add_route("admin_catalog_products_import_template", f"{base}/template.csv")
    # The file and the form around it: more than the 1 MiB other forms may send.
    config.allow_upload("admin_catalog_products_import", MAX_UPLOAD_BYTES)


def _page(request: Request, **values: Any) -> dict[str, Any]:
    return {"columns": COLUMNS, "required": REQUIRED, "separator": LIST_SEPARATOR,
            "max_mb": f"{MAX_BYTES / 1024 / 1024:g}", "max_rows": MAX_ROWS,
            "report": None, "shown_errors": SHOWN_ERRORS, "errors": {}, "mode": DRY_RUN,
            "imported": _imported(request), **values}


def _imported(request: Request) -> tuple[int, int] | None:
    """The counts a successful import redirected with (``?products=3&skus=8``)."""
    products, skus = request.GET.get("products", ""), request.GET.get("skus", "")
    if products.isdigit() and skus.isdigit() and len(products) < 7 and len(skus) < 7:
        return int(products), int(skus)
    return None


@view_config(route_name="admin_catalog_products_import", request_method="GET", renderer=PAGE,
             permission=WRITE)
def import_form(request: Request) -> dict[str, Any]:
    return _page(request)


@view_config(route_name="admin_catalog_products_import", request_method="POST", renderer=PAGE,
             permission=WRITE)
def import_file(request: Request) -> dict[str, Any] | HTTPSeeOther:
    mode = IMPORT if request.POST.get("mode") == IMPORT else DRY_RUN
    field = request.POST.get("file")
    upload = Upload(field.file, field.filename or "") if hasattr(field, "file") else None
    service = request.shop.product_import
    try:
        report: ImportReport = (service.run(upload) if mode == IMPORT
                                else service.check(upload))
    except Invalid as exc:
        request.response.status_int = 400
        return _page(request, errors=form_errors(request, exc), mode=mode)
    if report.imported:
        return HTTPSeeOther(location=request.route_path(
            "admin_catalog_products_import",
            _query={"products": report.products, "skus": report.skus}))
    if report.errors:
        request.response.status_int = 400
    return _page(request, report=report, mode=mode, imported=None)


@view_config(route_name="admin_catalog_products_import_template", request_method="GET",
             permission=WRITE)
def import_template(request: Request) -> Response:
    response = Response(body=template_csv(), content_type="text/csv", charset="utf-8")
    response.content_disposition = 'attachment; filename="products-template.csv"'
    return response
