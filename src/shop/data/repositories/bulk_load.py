"""Writing many catalog rows at once (the demo shop, an import): plain multi-row INSERTs.

A bulk load numbers its rows itself, so that it can refer from one table to another without
reading ids back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from shop.data.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
    Sku,
    SkuAttributeValue,
)

#: The tables a bulk load writes, by name; those with an ``id`` are numbered by the loader.
TABLES: dict[str, type[Any]] = {
    model.__tablename__: model for model in (
        Category, Brand, Attribute, AttributeValue, Product, Sku, SkuAttributeValue,
        ProductAttributeValue, ProductImage)
}
NUMBERED = ("category", "brand", "attribute", "attribute_value", "product", "sku",
            "product_image")


class BulkLoadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def max_ids(self) -> dict[str, int]:
        """Highest id per numbered table, so a bulk load can number its rows itself."""
        return {name: self.session.scalar(
                    select(func.coalesce(func.max(TABLES[name].id), 0))) or 0
                for name in NUMBERED}

    def insert(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(TABLES[table]), list(rows))
