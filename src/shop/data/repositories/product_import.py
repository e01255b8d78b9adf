"""The product import's reads and its one write: reference data read once, taken keys asked in
batches, and every product, SKU, value link and opening stock of a file written inside one
savepoint, a thousand products at a time (multi-row INSERTs; on PostgreSQL ids reserved from
the sequences and the rows sent with ``COPY``), so that a file costs a bounded number of
statements per thousand rows and a refused key leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Product,
    ProductAttributeValue,
    Sku,
    SkuAttributeValue,
    StockLevel,
    StockMovement,
)
from shop.data.repositories.products import NewProduct
from shop.data.repositories.rows import (
    append_rows_returning_keys,
    copy_rows,
    reserve_ids,
)

#: Keys asked about in one statement (well below SQLite's and psycopg's parameter limits).
LOOKUP_BATCH = 1000
#: Rows inserted in one statement.
INSERT_BATCH = 1000


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class ProductImportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading: three statements of reference data, then taken keys in batches -----------------

    def category_ids(self) -> dict[str, int]:
        """Slug → id of every category a product may be put in (a shown one, as the editor
        accepts)."""
        rows = self.session.execute(
            select(Category.slug, Category.id).where(Category.is_published.is_(True)))
        return {slug: key for slug, key in rows}

    def brand_ids(self) -> dict[str, int]:
        rows = self.session.execute(
            select(Brand.slug, Brand.id).where(Brand.is_published.is_(True)))
        return {slug: key for slug, key in rows}

    def value_ids(self) -> dict[str, int]:
        """"attribute:value" → the value's id, for every attribute value."""
        rows = self.session.execute(
            select(Attribute.code, AttributeValue.code, AttributeValue.id)
            .join(AttributeValue, AttributeValue.attribute_id == Attribute.id))
        return {f"{attribute}:{value}": value_id for attribute, value, value_id in rows}

    def taken_slugs(self, slugs: Sequence[str]) -> set[str]:
        return self._taken(Product.slug, slugs)

    def taken_sku_codes(self, codes: Sequence[str]) -> set[str]:
        return self._taken(Sku.code, codes)

    def taken_barcodes(self, barcodes: Sequence[str]) -> set[str]:
        return self._taken(Sku.barcode, barcodes)

    def _taken(self, column: Any, keys: Sequence[str]) -> set[str]:
        taken: set[str] = set()
        for batch in _batches(sorted(set(keys)), LOOKUP_BATCH):
            taken.update(self.session.scalars(select(column).where(column.in_(batch))))
        return taken

    # -- writing ----------------------------------------------------------------------------------

    def add_products(self, products: Sequence[NewProduct], *, warehouse_id: int, actor: str,
                     reference: str, progress: Callable[[int], None] | None = None,
                     ) -> list[int] | None:
        """Write every product with its SKUs, their values and their opening stock (an
        ``opening`` movement for each SKU with some), all or nothing; the products' ids in
        order, or None (and nothing written) when a unique key was taken meanwhile or a
        reference went away. ``progress`` hears how many products are written so far."""
        try:
            # A savepoint: a refused batch takes the ones before it along, and the transaction
            # stays usable for the caller's report.
            with self.session.begin_nested():
                return self._add(products, warehouse_id, actor, reference, progress)
        except IntegrityError:
            return None

    def _add(self, products: Sequence[NewProduct], warehouse_id: int, actor: str,
             reference: str, progress: Callable[[int], None] | None) -> list[int]:
        product_ids: list[int] = []
        for batch in _batches(products, INSERT_BATCH):
            product_rows = [dict(
                slug=p.slug, name_zh=p.name_zh, name_en=p.name_en,
                description_html=p.description_html, category_id=p.category_id,
                brand_id=p.brand_id, is_published=p.is_published, sort_order=p.sort_order,
                reserves_stock=p.reserves_stock, publish_at=p.publish_at) for p in batch]
            ids = self._insert(Product, product_rows, "slug")
            product_ids.extend(ids)
            skus = [(product_id, position, s) for product_id, p in zip(ids, batch, strict=True)
                    for position, s in enumerate(p.skus)]
            sku_ids = self._insert(Sku, [dict(
                product_id=product_id, code=s.code, price=s.price, list_price=s.list_price,
                weight_grams=s.weight_grams, barcode=s.barcode, position=position)
                for product_id, position, s in skus], "code")
            pairs = list(zip(sku_ids, (s for _p, _pos, s in skus), strict=True))
            sku_values = [dict(sku_id=sku_id, attribute_value_id=value_id)
                          for sku_id, s in pairs for value_id in dict.fromkeys(s.value_ids)]
            product_values = [dict(product_id=product_id, attribute_value_id=value_id)
                              for product_id, p in zip(ids, batch, strict=True)
                              for value_id in sorted({*p.value_ids,
                                                      *(v for s in p.skus for v in s.value_ids)})]
            levels = [dict(sku_id=sku_id, warehouse_id=warehouse_id, on_hand=s.stock_on_hand,
                           reserved=0) for sku_id, s in pairs]
            movements = [dict(sku_id=sku_id, warehouse_id=warehouse_id, delta=s.stock_on_hand,
                              reserved_delta=0, reason="opening", reference=reference,
                              actor=actor) for sku_id, s in pairs if s.stock_on_hand]
            for model, rows in ((SkuAttributeValue, sku_values),
                                (ProductAttributeValue, product_values), (StockLevel, levels),
                                (StockMovement, movements)):
                copy_rows(self.session, model, rows)
            if progress is not None:
                progress(len(product_ids))
        return product_ids

    def _insert(self, model: Any, rows: list[dict[str, Any]], key: str) -> list[int]:
        """Insert the rows; their new ids in order. On PostgreSQL the ids are taken from the
        sequence first and the rows copied in (``COPY``); elsewhere multi-row INSERTs return
        the ids by ``key``, a unique column."""
        ids = reserve_ids(self.session, model, len(rows))
        if ids is not None:
            copy_rows(self.session, model, [{**row, "id": new_id}
                                            for row, new_id in zip(rows, ids, strict=True)])
            return ids
        by_key: dict[Any, int] = {}
        for batch in _batches(rows, INSERT_BATCH):
            by_key.update(append_rows_returning_keys(self.session, model, batch, key))
        return [by_key[row[key]] for row in rows]
