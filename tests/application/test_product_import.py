"""Importing products from a file: every bad row reported by line and column, all or nothing,
the listing index and the ready counts kept as creating a product keeps them, one audit entry,
CSV in UTF-8 (with or without a byte-order mark) or GB18030, XLSX, and the file refusals."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.application import Conflict, Forbidden, Invalid, Upload
from shop.application.catalog.import_format import COLUMNS, MAX_BYTES, template_csv
from shop.data.models import AuditEntry, Product, Sku, StockLevel, StockMovement
from shop.data.repositories.product_import import ProductImportRepository
from tests import factories
from tests import staff_factories as sf

GOOD = {"name_zh": "亚麻衬衫", "name_en": "Linen shirt", "category": "shirts", "brand": "acme",
        "description": "<p>Cool</p><script>x()</script>", "is_published": "true",
        "product_values": "fit:slim", "price": "199.00", "list_price": "259.00",
        "stock_on_hand": "5", "weight_grams": "300"}


def rows(count: int, skus_per_product: int = 2, **override: str) -> list[dict[str, str]]:
    out = []
    for n in range(count):
        product, sku = divmod(n, skus_per_product)
        row = {**GOOD, "product_slug": f"imp-{product}", "sku_code": f"IMP-{product}-{sku}",
               "barcode": f"69{n:011d}",
               "sku_values": f"color:{['red', 'blue', 'black'][sku % 3]}|size:m"}
        if sku:  # product columns filled on the product's first row only
            for column in ("name_zh", "name_en", "category", "brand", "description",
                           "is_published", "product_values"):
                row[column] = ""
        out.append({**row, **override})
    return out


def csv_upload(data: list[dict[str, str]], name: str = "products.csv", *,
               encoding: str = "utf-8", columns=COLUMNS) -> Upload:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: v for k, v in row.items() if k in columns} for row in data)
    return Upload(io.BytesIO(out.getvalue().encode(encoding)), name)


@pytest.fixture
def catalog(system):
    factories.attributes(system)
    factories.category(system, "clothes")
    factories.category(system, "shirts", parent="clothes")
    factories.brand(system, "acme")
    return system


def count(connection, model) -> int:
    return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_good_file_imports_everything_indexed_and_audited(catalog, connection):
    report = catalog.product_import.run(csv_upload(rows(6)))
    assert (report.imported, report.errors, report.products, report.skus) == (True, (), 3, 6)
    page = catalog.catalog.category_page("shirts", {})
    assert {card.slug for card in page.products} == {"imp-0", "imp-1", "imp-2"}
    assert catalog.catalog.category_page("clothes", {}).pagination.total == 3
    editor = catalog.products.product(
        catalog.products.products().rows[0].id)
    assert editor.description_html == "<p>Cool</p>"
    assert editor.values == ("fit:slim",)
    assert [s.values for s in editor.skus] == [("color:red", "size:m"), ("color:blue", "size:m")]
    assert editor.skus[0].price == Decimal("199.00") and editor.skus[0].list_price == Decimal(
        "259.00")
    assert count(connection, StockLevel) == 6 and count(connection, StockMovement) == 6
    card = catalog.catalog.product_page("imp-1")
    assert card.sku.price == Decimal("199.00") and card.sku.available == 5
    (entry,) = connection.execute(select(AuditEntry.after).where(
        AuditEntry.action == "catalog.product.import")).scalars()
    assert entry["products"] == 3 and entry["skus"] == 6 and entry["file"] == "products.csv"


def test_facet_counts_follow_the_import(catalog):
    factories.product(catalog, "shirts", "acme", colors=("red",))
    catalog.product_import.run(csv_upload(rows(4)))
    page = catalog.catalog.category_page("shirts", {})
    assert page.pagination.total == 3
    facets = {f.label: f for f in page.facets}
    colours = {o.label: o.count for o in facets["Colour"].options}
    assert colours["Red"] == 3 and colours["Blue"] == 2


def test_a_thousand_rows_with_three_bad_ones_import_nothing_and_name_those_three(
        catalog, connection):
    data = rows(1000)
    data[14]["price"] = "-1"          # line 16
    data[499]["sku_values"] = "color:mauve"  # line 501
    data[997]["list_price"] = "1.00"  # line 999: below the price
    products_before = count(connection, Product)
    report = catalog.product_import.run(csv_upload(data))
    assert not report.imported
    assert [(e.line, e.column) for e in report.errors] == [
        (16, "price"), (501, "sku_values"), (999, "list_price")]
    assert "negative" in report.errors[0].message.interpolate()
    assert "color:mauve" in report.errors[1].message.interpolate()
    assert count(connection, Product) == products_before and count(connection, Sku) == 0
    assert connection.execute(select(func.count()).where(
        AuditEntry.action == "catalog.product.import")).scalar_one() == 0


def test_the_dry_run_reports_every_problem_and_writes_nothing(catalog, connection):
    factories.product(catalog, "shirts", "acme")
    taken = catalog.products.product(catalog.products.products().rows[0].id)
    data = rows(8)
    data[0]["category"] = "nowhere"
    data[0]["brand"] = "nobody"
    data[1]["sku_code"] = data[0]["sku_code"]            # twice in the file
    data[2]["product_slug"] = data[3]["product_slug"] = taken.slug  # a taken slug
    data[3]["sku_code"] = taken.skus[0].code               # a taken code
    data[4]["barcode"] = data[5]["barcode"]                # twice in the file
    data[5]["name_zh"] = "别的名字"                          # a second row that differs
    data[6]["stock_on_hand"] = "many"
    data[6]["is_published"] = "maybe"
    data[7]["weight_grams"] = "-3"
    report = catalog.product_import.check(csv_upload(data))
    got = [(e.line, e.column) for e in report.errors]
    assert got == [(2, "category"), (2, "brand"), (3, "sku_code"), (4, "product_slug"),
                   (5, "sku_code"), (7, "name_zh"), (7, "barcode"), (8, "is_published"),
                   (8, "stock_on_hand"), (9, "weight_grams")]
    messages = {(e.line, e.column): e.message.interpolate() for e in report.errors}
    assert messages[(3, "sku_code")] in ("Also on line 2", "Used by another SKU of this product")
    assert messages[(4, "product_slug")] == "Already taken"
    assert messages[(7, "name_zh")].startswith("Differs from line 6")
    assert not report.imported and report.products == 4
    assert count(connection, Sku) == 1


def test_a_dry_run_of_a_good_file_writes_nothing(catalog, connection):
    report = catalog.product_import.check(csv_upload(rows(4)))
    assert (report.errors, report.imported, report.products) == ((), False, 2)
    assert count(connection, Product) == 0


def test_required_columns_and_cells(catalog):
    data = rows(3)
    data[0]["name_zh"] = ""
    data[1]["product_slug"] = ""
    data[2]["price"] = ""
    upload = csv_upload(data)
    upload.stream.seek(0, io.SEEK_END)
    upload.stream.write(b"imp-9,x,,shirts,,,,,IMP-X,1.00,,,,,,surplus\n")
    upload.stream.seek(0)
    report = catalog.product_import.check(upload)
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "name_zh"), (3, "product_slug"), (4, "price"), (5, "row")]
    with pytest.raises(Invalid) as refused:
        catalog.product_import.check(csv_upload(rows(1), columns=("product_slug", "sku_code",
                                                                  "colour")))
    text = str(refused.value)
    assert "products.csv" in text and "colour" in text and "price" in text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(catalog, encoding):
    report = catalog.product_import.run(csv_upload(rows(2), encoding=encoding))
    assert report.imported
    assert catalog.catalog.product_page("imp-0").name == "Linen shirt"


def test_an_xlsx_workbook(catalog):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows(3):
        values = [row.get(c, "") for c in COLUMNS]
        values[COLUMNS.index("price")] = 199.5
        values[COLUMNS.index("stock_on_hand")] = 7
        values[COLUMNS.index("barcode")] = int(row["barcode"])
        values[COLUMNS.index("is_published")] = True if row["is_published"] else None
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    report = catalog.product_import.run(Upload(io.BytesIO(out.getvalue()), "p.xlsx"))
    assert report.imported and report.skus == 3
    assert catalog.catalog.product_page("imp-0").sku.price == Decimal("199.50")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "neither a CSV nor an XLSX"),
    (b"PK\x03\x04garbage", "not an XLSX workbook"),
    (b"x" * 2001, "larger than"),
])
def test_files_that_are_refused_name_the_file(catalog, content, message):
    with pytest.raises(Invalid) as refused:
        catalog.product_import.check(Upload(io.BytesIO(content), "old.xls"), max_bytes=2000)
    assert message in str(refused.value) and "old.xls" in str(refused.value)


def test_the_template_imports(catalog):
    report = catalog.product_import.check(Upload(io.BytesIO(template_csv()), "template.csv"))
    assert report.errors == () and report.skus == 2


def test_staff_without_catalog_write_may_not_import(shop, system):
    factories.category(system, "shirts")
    member = sf.staff(system, ("marketing",))
    with shop.transaction(actor=system.staff.actor_for(member.id)) as tx, \
            pytest.raises(Forbidden):
        tx.product_import.check(csv_upload(rows(1)))


def test_statements_stay_bounded(catalog, queries):
    queries.reset()
    catalog.product_import.check(csv_upload(rows(2000, skus_per_product=4)))
    checked = queries.count
    assert checked <= 12
    queries.reset()
    catalog.product_import.run(csv_upload(rows(2000, skus_per_product=4)))
    assert queries.count <= 80



def test_a_key_taken_after_the_check_writes_nothing(catalog, connection, monkeypatch):
    """A code committed by someone else between the check and the write: the database refuses
    it, the savepoint takes every row of the file back, and the import says so."""
    factories.product(catalog, "shirts", "acme")
    taken = catalog.products.product(catalog.products.products().rows[0].id).skus[0].code
    data = rows(1500)
    data[1400]["sku_code"] = taken
    monkeypatch.setattr(ProductImportRepository, "taken_sku_codes", lambda self, codes: set())
    with pytest.raises(Conflict):
        catalog.product_import.run(csv_upload(data))
    assert count(connection, Product) == 1 and count(connection, Sku) == 1
    assert count(connection, StockLevel) == 1


def _xlsx_bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _good_book(charts: bool):
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows(2):
        sheet.append([row.get(c, "") for c in COLUMNS])
    if charts:
        chart = BarChart()
        chart.add_data(Reference(sheet, min_col=COLUMNS.index("price") + 1, min_row=1,
                                 max_row=3))
        book.create_chartsheet("chart", 0).add_chart(chart)
    return book


def test_a_chart_sheet_first_is_passed_by(catalog):
    book = _good_book(charts=True)
    assert book.sheetnames[0] == "chart"
    report = catalog.product_import.run(Upload(io.BytesIO(_xlsx_bytes(book)), "charts.xlsx"))
    assert report.imported and report.skus == 2


def test_a_workbook_of_charts_only_is_refused_naming_the_file(catalog):
    book = _good_book(charts=True)
    book.remove(book[book.sheetnames[1]])
    content = _xlsx_bytes(book)
    with pytest.raises(Invalid) as refused:
        catalog.product_import.check(Upload(io.BytesIO(content), "charts.xlsx"))
    assert set(refused.value.errors) == {"file"} and "charts.xlsx" in str(refused.value)


def _rezipped(content: bytes, change) -> bytes:
    """The workbook with each part's bytes passed through ``change(name, data)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_a_sheet_broken_past_its_first_rows_is_refused_naming_the_file(catalog):
    from openpyxl import Workbook

    book = Workbook()
    for n in range(300):
        book.active.append([f"cell-{n}-{c}" for c in range(5)] if n else list(COLUMNS))
    # Cut the sheet's XML off mid-document: openpyxl reads the header, then fails.
    content = _rezipped(_xlsx_bytes(book), lambda name, data: (
        data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data))
    with pytest.raises(Invalid) as refused:
        catalog.product_import.check(Upload(io.BytesIO(content), "cut.xlsx"))
    assert set(refused.value.errors) == {"file"} and "cut.xlsx" in str(refused.value)


@pytest.mark.parametrize(("megabytes", "message"), [
    (120, "would unpack to more than 100 MB"),  # over the total
    (30, "packed implausibly tightly"),  # under it, but zeros pack a thousand to one
])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(catalog, megabytes, message):
    content = _rezipped(_xlsx_bytes(_good_book(charts=False)), lambda name, data: data)
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/sharedStrings2.xml", "w", force_zip64=True) as member:
        block = b"\x00" * (1024 * 1024)
        for _ in range(megabytes):
            member.write(block)
    bomb = out.getvalue()
    assert len(bomb) < MAX_BYTES
    with pytest.raises(Invalid) as refused:
        catalog.product_import.check(Upload(io.BytesIO(bomb), "bomb.xlsx"))
    assert message in str(refused.value) and "bomb.xlsx" in str(refused.value)
