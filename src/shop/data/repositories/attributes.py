"""Attributes (colour, size, 版型) and their values: what products are filtered and varied by."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from shop.data.models import Attribute, AttributeValue, ProductAttributeValue, SkuAttributeValue
from shop.data.repositories.batches import affected
from shop.data.repositories.catalog_records import (
    AttributeRecord,
    AttributeValueRecord,
    FacetValueRecord,
    fetch,
    record_columns,
)
from shop.data.repositories.rows import insert_unless_taken

_FACET_VALUES = (
    select(*record_columns(FacetValueRecord, {
        "attribute_id": Attribute.id, "attribute_code": Attribute.code,
        "attribute_name_zh": Attribute.name_zh, "attribute_name_en": Attribute.name_en,
        "value_id": AttributeValue.id, "value_code": AttributeValue.code,
        "value_name_zh": AttributeValue.name_zh, "value_name_en": AttributeValue.name_en,
    }))
    .select_from(Attribute)
    .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
    .where(Attribute.is_facet.is_(True))
    .order_by(Attribute.position, Attribute.id, AttributeValue.position, AttributeValue.id)
)


_VALUE_COUNT = (select(func.count()).where(AttributeValue.attribute_id == Attribute.id)
                .correlate(Attribute).scalar_subquery())
_ATTRIBUTES = select(*record_columns(AttributeRecord, {
    "id": Attribute.id, "code": Attribute.code, "name_zh": Attribute.name_zh,
    "name_en": Attribute.name_en, "position": Attribute.position,
    "is_variant_axis": Attribute.is_variant_axis, "is_facet": Attribute.is_facet,
    "values": _VALUE_COUNT,
})).order_by(Attribute.position, Attribute.id)
_PRODUCTS = (select(func.count()).where(ProductAttributeValue.attribute_value_id
                                        == AttributeValue.id)
             .correlate(AttributeValue).scalar_subquery())
_SKUS = (select(func.count()).where(SkuAttributeValue.attribute_value_id == AttributeValue.id)
         .correlate(AttributeValue).scalar_subquery())
_VALUES = select(*record_columns(AttributeValueRecord, {
    "id": AttributeValue.id, "code": AttributeValue.code, "name_zh": AttributeValue.name_zh,
    "name_en": AttributeValue.name_en, "position": AttributeValue.position,
    "products": _PRODUCTS, "skus": _SKUS,
})).where(AttributeValue.attribute_id == bindparam("attribute_id")).order_by(
    AttributeValue.position, AttributeValue.id)


class AttributeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def facet_values(self) -> list[FacetValueRecord]:
        """Every facet attribute's values, in display order (a short, bounded list)."""
        return fetch(self.session, _FACET_VALUES, {}, FacetValueRecord)

    def all(self) -> list[AttributeRecord]:
        """Every attribute in display order with how many values it has, in one statement."""
        return fetch(self.session, _ATTRIBUTES, {}, AttributeRecord)

    def get(self, attribute_id: int) -> AttributeRecord | None:
        found = fetch(self.session, _ATTRIBUTES.where(Attribute.id == attribute_id), {},
                      AttributeRecord)
        return found[0] if found else None

    def values(self, attribute_id: int) -> list[AttributeValueRecord]:
        """An attribute's values in display order, each with the products and SKUs carrying
        it, in one statement."""
        return fetch(self.session, _VALUES, {"attribute_id": attribute_id},
                     AttributeValueRecord)

    def update(self, attribute_id: int, values: Mapping[str, Any]) -> None:
        self.session.execute(update(Attribute).where(Attribute.id == attribute_id)
                             .values(**values))

    def add_value(self, attribute_id: int, *, code: str, name_zh: str, name_en: str,
                  position: int) -> int | None:
        """The new value's id; None when the attribute has the code already (two staff
        adding it at once: one statement, so the loser learns it here)."""
        return insert_unless_taken(self.session, AttributeValue, {
            "attribute_id": attribute_id, "code": code, "name_zh": name_zh,
            "name_en": name_en, "position": position}, ("attribute_id", "code"))

    def rename_value(self, value_id: int, *, name_zh: str, name_en: str) -> None:
        self.session.execute(update(AttributeValue).where(AttributeValue.id == value_id)
                             .values(name_zh=name_zh, name_en=name_en))

    def set_value_positions(self, positions: Mapping[int, int]) -> None:
        """Value id → position."""
        if not positions:
            return
        table = AttributeValue.__table__
        self.session.connection().execute(
            table.update().where(table.c.id == bindparam("key"))
            .values(position=bindparam("place")),
            [{"key": key, "place": place} for key, place in positions.items()])

    def delete_value(self, value_id: int) -> bool:
        """Delete a value no product or SKU carries; False (nothing deleted) when one does,
        checked in the statement itself, so a product saved meanwhile keeps its value."""
        in_use = (select(ProductAttributeValue.product_id)
                  .where(ProductAttributeValue.attribute_value_id == value_id).exists()
                  | select(SkuAttributeValue.sku_id)
                  .where(SkuAttributeValue.attribute_value_id == value_id).exists())
        return affected(self.session.execute(delete(AttributeValue).where(
            AttributeValue.id == value_id, ~in_use))) > 0

    def code_taken(self, code: str) -> bool:
        return self.session.scalar(select(Attribute.id).where(Attribute.code == code)) is not None

    def value_ids_by_codes(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """(attribute code, value code) → value id, for the pairs that exist."""
        if not pairs:
            return {}
        rows = self.session.execute(
            select(Attribute.code, AttributeValue.code, AttributeValue.id)
            .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
            .where(Attribute.code.in_({attribute for attribute, _value in pairs}))
        ).all()
        return {(attribute, value): value_id for attribute, value, value_id in rows}

    def add(self, *, code: str, name_zh: str, name_en: str, is_variant_axis: bool,
            is_facet: bool, values: Sequence[tuple[str, str, str]]) -> int:
        """An attribute shown after the others, with its (code, 中文, English) values in order;
        returns its id."""
        position = self.session.scalar(select(func.count()).select_from(Attribute)) or 0
        attribute = Attribute(code=code, name_zh=name_zh, name_en=name_en, position=position,
                              is_variant_axis=is_variant_axis, is_facet=is_facet)
        self.session.add(attribute)
        # Flushed now for the id the values refer to; a taken code surfaces here, not at commit.
        self.session.flush()
        self.session.add_all(
            AttributeValue(attribute_id=attribute.id, code=value_code, name_zh=value_zh,
                           name_en=value_en, position=value_position)
            for value_position, (value_code, value_zh, value_en) in enumerate(values))
        self.session.flush()
        return attribute.id
