"""Attributes (colour, size, 版型) and their values: what products are filtered and varied by."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.data.models import Attribute, AttributeValue
from shop.data.repositories.catalog_records import FacetValueRecord, fetch, record_columns

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


class AttributeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def facet_values(self) -> list[FacetValueRecord]:
        """Every facet attribute's values, in display order (a short, bounded list)."""
        return fetch(self.session, _FACET_VALUES, {}, FacetValueRecord)

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
