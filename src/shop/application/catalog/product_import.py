"""Importing products from a file (批量导入商品): ``uow.product_import``.

Staff with ``catalog:product:write`` (or a script) hand over a CSV or XLSX file of one row per
SKU (the format: ``shop.application.catalog.import_format``). ``check`` is the dry run: it
reads every row and reports every problem, each with its line, its column and a message,
writing nothing. ``run`` checks the same way and writes only a file without any problem, whole:
a file with one bad row imports nothing.

Each product is validated by ``ProductSchema``, the schema of the product form and of
``tx.catalog.create_product``, and resolved as the editor resolves it (a shown category and
brand by slug, attribute values as "attribute:value" codes). Across rows the file is checked
for SKU codes and barcodes given twice, and against the database for slugs, SKU codes and
barcodes already taken, in a bounded number of statements: reference data is read once, keys
are asked in batches of a thousand.

The write is a few multi-row INSERTs per thousand products inside one savepoint, then the
listing index re-derives the new products' summaries, listing rows and share of the ready facet
counts (as creating a product does), and one audit entry records the file and its counts.
Opening stock is written with its ``opening`` movements but without an
``inventory.stock_changed`` event per SKU: the listing index just derived whether each new
product is in stock, which is all the event's handler would do, and a new SKU has nobody
waiting for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from translationstring import TranslationString

from shop.application.actors import Permission
from shop.application.catalog.import_format import (
    COLUMNS,
    MAX_BYTES,
    PRODUCT_COLUMNS,
    SourceRow,
    flag,
    read_file,
    value_list,
)
from shop.application.catalog.indexing import ListingIndex
from shop.application.catalog.media import Upload
from shop.application.catalog.sanitize import sanitize_html
from shop.application.catalog.schemas import ProductSchema
from shop.application.errors import Conflict, Invalid
from shop.application.i18n import _
from shop.application.validation import validate
from shop.data.repositories.inventory import InventoryRepository
from shop.data.repositories.product_import import ProductImportRepository
from shop.data.repositories.products import NewProduct, NewSku

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Progress of a long import: (stage, done, total); stages "checking", "writing", "listing".
Progress = Callable[[str, int, int], None]
#: Products re-indexed together (each batch a dozen statements).
INDEX_BATCH = 500
#: A product form's field → the file's column.
_PRODUCT_FIELDS = {"slug": "product_slug", "name_zh": "name_zh", "name_en": "name_en",
                   "description_html": "description", "category": "category",
                   "brand": "brand", "is_published": "is_published",
                   "values": "product_values", "_": "product_slug", "skus": "sku_code"}
_SKU_FIELDS = {"code": "sku_code", "price": "price", "list_price": "list_price",
               "stock_on_hand": "stock_on_hand", "weight_grams": "weight_grams",
               "barcode": "barcode", "values": "sku_values"}
_ORDER = {column: place for place, column in enumerate(COLUMNS)}
TAKEN = _("Already taken")


@dataclass(frozen=True)
class RowError:
    """A problem with a cell: its line (as a spreadsheet numbers rows, the header being 1),
    its column, and what is wrong, in words (a translation string)."""

    line: int
    column: str
    message: TranslationString


@dataclass(frozen=True)
class ImportReport:
    file_name: str
    #: The data rows read (one per SKU; blank lines not counted).
    rows: int
    products: int
    skus: int
    #: Every problem, by line and then column order; empty when the file is good.
    errors: tuple[RowError, ...]
    #: Whether the products were written (never with errors, never on a dry run).
    imported: bool

    @property
    def bad_lines(self) -> int:
        return len({e.line for e in self.errors})


@dataclass
class _Product:
    """A product of the file: its rows and its values as ``ProductSchema`` gave them back."""

    slug: str
    rows: list[SourceRow]
    values: dict[str, Any] | None = None


class ProductImportService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = ProductImportRepository(uow._session)

    def check(self, upload: Upload | None, *, max_bytes: int = MAX_BYTES,
              progress: Progress | None = None) -> ImportReport:
        """The dry run: every problem of the file, nothing written. ``Invalid`` at ``file``
        when the file cannot be read at all (see ``import_format.read_file``)."""
        return self._import(upload, dry_run=True, max_bytes=max_bytes, progress=progress)

    def run(self, upload: Upload | None, *, max_bytes: int = MAX_BYTES,
            progress: Progress | None = None) -> ImportReport:
        """Import the file when it has no problem at all, else report them all and write
        nothing (``report.imported`` says which)."""
        return self._import(upload, dry_run=False, max_bytes=max_bytes, progress=progress)

    # -- checking ---------------------------------------------------------------------------------

    def _import(self, upload: Upload | None, *, dry_run: bool, max_bytes: int,
                progress: Progress | None) -> ImportReport:
        self.uow.actor.require(Permission.CATALOG_WRITE)
        if upload is None:
            raise Invalid({"file": _("Choose a CSV or XLSX file")})
        report = progress or (lambda stage, done, total: None)
        source = read_file(upload.stream, upload.filename, max_bytes)
        errors: dict[tuple[int, str], TranslationString] = {}
        products = self._products(source.rows, errors)
        report("checking", 0, len(source.rows))
        schema = ProductSchema()
        checked = 0
        for product in products:
            self._validate(schema, product, errors)
            checked += len(product.rows)
            if checked % 1000 < len(product.rows):
                report("checking", checked, len(source.rows))
        resolved = self._resolve(products, errors, build=not dry_run)
        report("checking", len(source.rows), len(source.rows))
        skus = sum(len(p.rows) for p in products)
        name = upload.filename or ""

        def done(imported: bool) -> ImportReport:
            return ImportReport(name, len(source.rows), len(products), skus,
                                _sorted(errors), imported)

        if errors or dry_run or not products:
            return done(False)
        self._write(resolved, name, report)
        self.uow._audit.record("catalog.product.import", "product", None, after={
            "file": name, "rows": len(source.rows), "products": len(products), "skus": skus,
            "first_product": products[0].slug, "last_product": products[-1].slug})
        return done(True)

    def _products(self, rows: Sequence[SourceRow],
                  errors: dict[tuple[int, str], TranslationString]) -> list[_Product]:
        """The file's rows grouped by product slug, in the order products first appear; a
        product column given again on a later row must repeat the first row's value."""
        by_slug: dict[str, _Product] = {}
        for row in rows:
            if "_extra" in row.cells:
                errors.setdefault((row.line, "row"), _(
                    "More cells than the header has columns: “${value}”",
                    mapping={"value": row.cells["_extra"][:60]}))
            slug = row.cells.get("product_slug", "")
            if not slug:
                errors.setdefault((row.line, "product_slug"), _("Required"))
                continue
            product = by_slug.get(slug)
            if product is None:
                by_slug[slug] = _Product(slug, [row])
                continue
            first = product.rows[0]
            for column in PRODUCT_COLUMNS:
                given = row.cells.get(column, "")
                if given and given != first.cells.get(column, ""):
                    errors.setdefault((row.line, column), _(
                        "Differs from line ${line}, this product's first row (leave it empty "
                        "on the product's other rows)", mapping={"line": first.line}))
            product.rows.append(row)
        return list(by_slug.values())

    def _validate(self, schema: ProductSchema, product: _Product,
                  errors: dict[tuple[int, str], TranslationString]) -> None:
        """The product through ``ProductSchema``; each complaint at its row and column."""
        first = product.rows[0].cells
        data: dict[str, Any] = {"skus": []}
        for field, column in (("slug", "product_slug"), ("name_zh", "name_zh"),
                              ("name_en", "name_en"), ("description_html", "description"),
                              ("category", "category"), ("brand", "brand")):
            if first.get(column):
                data[field] = first[column]
        if first.get("is_published"):
            shown = flag(first["is_published"])
            if shown is None:
                errors.setdefault((product.rows[0].line, "is_published"), _(
                    "Write true or false (1 or 0, yes or no, 是 or 否)"))
            else:
                data["is_published"] = shown
        data["values"] = value_list(first.get("product_values", ""))
        for row in product.rows:
            sku: dict[str, Any] = {field: row.cells[column]
                                   for field, column in _SKU_FIELDS.items()
                   if field != "values" and row.cells.get(column)}
            sku["values"] = value_list(row.cells.get("sku_values", ""))
            data["skus"].append(sku)
        try:
            product.values = validate(schema, data)
        except Invalid as exc:
            for path, message in exc.errors.items():
                line, column = self._place(product, path)
                errors.setdefault((line, column), message)

    @staticmethod
    def _place(product: _Product, path: str) -> tuple[int, str]:
        """A schema path ("skus.3.price") as a line and a column."""
        parts = path.split(".")
        if parts[0] == "skus" and len(parts) >= 2 and parts[1].isdigit() \
                and int(parts[1]) < len(product.rows):
            column = _SKU_FIELDS.get(parts[2] if len(parts) > 2 else "code", "sku_code")
            return product.rows[int(parts[1])].line, column
        return product.rows[0].line, _PRODUCT_FIELDS.get(parts[0], "product_slug")

    def _resolve(self, products: Sequence[_Product],
                 errors: dict[tuple[int, str], TranslationString], *,
                 build: bool) -> list[NewProduct]:
        """Cross-row and database checks; the products ready to write (when ``build``)."""
        repo = self._repo
        categories, brands, value_ids = repo.category_ids(), repo.brand_ids(), repo.value_ids()
        codes: dict[str, int] = {}
        barcodes: dict[str, int] = {}
        for product in products:
            for row in product.rows:
                for column, seen in (("sku_code", codes), ("barcode", barcodes)):
                    key = row.cells.get(column)
                    if not key:
                        continue
                    if key in seen:
                        errors.setdefault((row.line, column), _(
                            "Also on line ${line}", mapping={"line": seen[key]}))
                    else:
                        seen[key] = row.line
        taken = {"product_slug": repo.taken_slugs([p.slug for p in products]),
                 "sku_code": repo.taken_sku_codes(list(codes)),
                 "barcode": repo.taken_barcodes(list(barcodes))}
        ready: list[NewProduct] = []
        for product in products:
            first = product.rows[0]
            if product.slug in taken["product_slug"]:
                errors.setdefault((first.line, "product_slug"), TAKEN)
            for row in product.rows:
                for column in ("sku_code", "barcode"):
                    if row.cells.get(column) in taken[column]:
                        errors.setdefault((row.line, column), TAKEN)
            cells = first.cells
            category = categories.get(cells.get("category", ""))
            if cells.get("category") and category is None:
                errors.setdefault((first.line, "category"), _("No such category"))
            brand = brands.get(cells["brand"]) if cells.get("brand") else None
            if cells.get("brand") and brand is None:
                errors.setdefault((first.line, "brand"), _("No such brand"))
            own = _value_ids(value_list(cells.get("product_values", "")), value_ids,
                             first.line, "product_values", errors)
            sku_values = [_value_ids(value_list(row.cells.get("sku_values", "")), value_ids,
                                     row.line, "sku_values", errors) for row in product.rows]
            values = product.values
            if not build or values is None or category is None or errors:
                continue  # nothing is written: building the rest would be wasted
            ready.append(NewProduct(
                slug=values["slug"], name_zh=values["name_zh"], name_en=values["name_en"],
                description_html=sanitize_html(values["description_html"]),
                category_id=category, brand_id=brand, is_published=values["is_published"],
                sort_order=values["sort_order"], reserves_stock=values["reserves_stock"],
                value_ids=own, skus=tuple(
                    NewSku(code=s["code"], price=s["price"], list_price=s["list_price"],
                           stock_on_hand=s["stock_on_hand"], weight_grams=s["weight_grams"],
                           barcode=s["barcode"], value_ids=ids)
                    for s, ids in zip(values["skus"], sku_values, strict=True))))
        return ready

    # -- writing ----------------------------------------------------------------------------------

    def _write(self, products: Sequence[NewProduct], name: str, report: Progress) -> None:
        total = len(products)
        warehouse_id = InventoryRepository(self.uow._session).default_warehouse_id()
        report("writing", 0, total)
        ids = self._repo.add_products(
            products, warehouse_id=warehouse_id, actor=self.uow.actor.name,
            reference=f"import {name}"[:200], progress=lambda done: report("writing", done, total))
        if ids is None:
            # A slug, SKU code or barcode committed by someone else since the check.
            raise Conflict(_("A slug, SKU code or barcode in the file was taken meanwhile; "
                             "check the file again"))
        index = ListingIndex(self.uow)
        report("listing", 0, total)
        for start in range(0, total, INDEX_BATCH):
            index.products_added(ids[start:start + INDEX_BATCH])
            report("listing", min(start + INDEX_BATCH, total), total)


def _value_ids(codes: Sequence[str], known: dict[str, int], line: int, column: str,
               errors: dict[tuple[int, str], TranslationString]) -> tuple[int, ...]:
    missing = [code for code in codes if code not in known]
    if missing:
        errors.setdefault((line, column), _("Unknown attribute values: ${values}",
                                            mapping={"values": ", ".join(missing)}))
    return tuple(dict.fromkeys(known[code] for code in codes if code in known))


def _sorted(errors: dict[tuple[int, str], TranslationString]) -> tuple[RowError, ...]:
    return tuple(RowError(line, column, message) for (line, column), message
                 in sorted(errors.items(), key=lambda item: (item[0][0],
                                                             _ORDER.get(item[0][1], 99))))
