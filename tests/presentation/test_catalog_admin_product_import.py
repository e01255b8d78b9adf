"""The import pages: the link from the product list, the template CSV, a refused file named at
its field, a dry run listing bad rows by line and column, an import that redirects with its
counts, CSRF, and the 403 for staff who may not change the catalog."""

from __future__ import annotations

import csv
import io

import pytest
import webtest

from shop.application.catalog.import_format import COLUMNS
from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
URL = "/admin/catalog/products/import"


@pytest.fixture
def catalog(system):
    factories.attributes(system)
    factories.category(system, "shirts")
    factories.brand(system, "acme")
    return system


def signed_in(app, system, roles=("merchandiser",)):
    sf.cookie(app, system, "staff", sf.staff(system, roles).id)


def csv_bytes(count: int, **bad: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for n in range(count):
        row = {"product_slug": f"web-{n}", "name_zh": f"商品{n}", "category": "shirts",
               "brand": "acme", "is_published": "1", "sku_code": f"WEB-{n}", "price": "10.00",
               "stock_on_hand": "3", "sku_values": "color:red|size:m"}
        row.update(bad.get(str(n + 2), {}))
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


def upload(app, content: bytes, name: str = "products.csv", mode: str = "dry_run"):
    form = app.get(URL, headers=EN).forms["import-form"]
    form["file"] = webtest.Upload(name, content, "text/csv")
    form["mode"] = mode
    return form


def test_the_product_list_links_to_the_import_and_its_template(app, catalog):
    signed_in(app, catalog)
    listing = app.get("/admin/catalog/products", headers=EN)
    page = app.get(listing.html.select_one("#import-products")["href"], headers=EN)
    assert page.html.select_one("#format-columns") is not None
    template = app.get(page.html.select_one("#template-link")["href"])
    assert template.content_type == "text/csv" and "attachment" in template.headers[
        "Content-Disposition"]
    header = template.body.decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(COLUMNS)


def test_a_file_that_is_not_csv_or_xlsx_is_refused_naming_it(app, catalog):
    signed_in(app, catalog)
    page = upload(app, b"\xd0\xcf\x11\xe0" + b"\x00" * 200, "prices.xls").submit(
        headers=EN, status=400)
    message = page.html.select_one("#error-file").text
    assert "prices.xls" in message and "neither a CSV nor an XLSX" in message


def test_a_dry_run_lists_every_bad_row_and_writes_nothing(app, catalog):
    signed_in(app, catalog)
    content = csv_bytes(5, **{"3": {"price": "-2"}, "5": {"category": "nowhere",
                                                          "sku_values": "color:mauve"}})
    page = upload(app, content).submit(headers=EN, status=400)
    cells = [(r["data-line"], r["data-column"]) for r in page.html.select("tr.row-error")]
    assert cells == [("3", "price"), ("5", "category"), ("5", "sku_values")]
    assert "negative" in page.html.select("tr.row-error")[0].text
    assert "2 of 5 rows" in page.html.select_one("#report-summary").text
    assert catalog.products.products().matched == 0


def test_a_good_dry_run_says_so_and_an_import_redirects_with_its_counts(app, catalog):
    signed_in(app, catalog)
    page = upload(app, csv_bytes(4)).submit(headers=EN, status=200)
    assert "4 products with 4 SKUs" in page.html.select_one("#report-summary").text
    assert catalog.products.products().matched == 0
    done = upload(app, csv_bytes(4), mode="import").submit(headers=EN, status=303)
    assert done.location.endswith(f"{URL}?products=4&skus=4")
    assert "Imported 4 products with 4 SKUs" in done.follow(headers=EN).html.select_one(
        "#imported").text
    assert catalog.products.products().matched == 4
    assert catalog.catalog.category_page("shirts", {}).pagination.total == 4


def test_an_import_with_a_bad_row_imports_nothing(app, catalog):
    signed_in(app, catalog)
    page = upload(app, csv_bytes(3, **{"4": {"barcode": "12"}}), mode="import").submit(
        headers=EN, status=400)
    assert "Nothing was imported" in page.html.select_one("#report-summary").text
    assert [r["data-column"] for r in page.html.select("tr.row-error")] == ["barcode"]
    assert catalog.products.products().matched == 0


def test_the_post_needs_its_csrf_token(app, catalog):
    signed_in(app, catalog)
    app.post(URL, {"mode": "import"}, upload_files=[("file", "p.csv", csv_bytes(1))],
             status=400)
    assert catalog.products.products().matched == 0


def test_a_file_may_be_larger_than_other_forms_on_this_route(app, catalog):
    """Every other form stays under 1 MiB; the import takes a file of up to 5 MiB."""
    signed_in(app, catalog)
    long = {"description": "<p>" + "长" * 40_000 + "</p>"}
    content = csv_bytes(20, **{str(line): long for line in range(2, 22)})
    assert len(content) > 2 * 1024 * 1024
    page = upload(app, content).submit(headers=EN, status=200)
    assert "20 products with 20 SKUs" in page.html.select_one("#report-summary").text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_staff_without_catalog_write_get_the_admin_403(app, catalog, method):
    signed_in(app, catalog, roles=("marketing",))
    assert app.get("/admin/catalog/products").html.select_one("#import-products") is None
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    if method == "GET":
        page = app.get(URL, headers=EN, status=403)
        app.get(f"{URL}/template.csv", status=403)
    else:
        page = app.post(URL, {"csrf_token": csrf, "mode": "import"},
                        upload_files=[("file", "p.csv", csv_bytes(1))], headers=EN, status=403)
    assert "admin-forbidden" in page.text
    assert catalog.products.products().matched == 0
