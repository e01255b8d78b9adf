"""Attributes and their values as staff keep them: ``uow.attributes``.

An attribute (颜色, 尺码, 版型) is what shoppers filter by or choose a variant by; its values
(红色, 蓝色 …) are what products carry. Staff list attributes, create one with its first values,
edit its names and flags, and add, rename, put in order and delete its values.

Codes never change once made: listings' links ("?color=red") and product imports
("color:red") name attributes and values by them. A value some product or SKU carries is
never deleted, and an attribute whose values are in use cannot stop or start being a variant
axis: the products' SKUs were built around that choice. Reading needs ``catalog:product:view``,
writing ``catalog:product:write``; every write is audited and replaces the catalog's revision
token (facet names and order are reference data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.catalog.schemas import (
    AttributeEditSchema,
    AttributeSchema,
    AttributeValueEditSchema,
    AttributeValueSchema,
    PlaceSchema,
)
from shop.application.errors import Conflict, Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.validation import entity_key, validate
from shop.data.repositories.attributes import AttributeRepository
from shop.data.repositories.catalog_records import AttributeRecord, AttributeValueRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork

_TAKEN = _("Already taken")


@dataclass(frozen=True)
class AttributeRow:
    id: int
    code: str
    #: In the acting staff member's language.
    name: str
    name_zh: str
    name_en: str
    is_variant_axis: bool
    is_facet: bool
    #: How many values it has.
    value_count: int


@dataclass(frozen=True)
class AttributeValueRow:
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    #: Its place among the attribute's values, from 1.
    place: int
    #: Products and SKUs carrying it; a value in use cannot be deleted.
    products: int
    skus: int

    @property
    def in_use(self) -> bool:
        return bool(self.products or self.skus)


@dataclass(frozen=True)
class AttributeDetail:
    attribute: AttributeRow
    values: tuple[AttributeValueRow, ...]

    def value(self, code: str) -> AttributeValueRow:
        found = next((v for v in self.values if v.code == code), None)
        if found is None:
            raise NotFound(f"no value {code!r} of attribute {self.attribute.code!r}")
        return found


class AttributeService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = AttributeRepository(uow._session)

    # -- reading ----------------------------------------------------------------------------

    def attributes(self) -> tuple[AttributeRow, ...]:
        """Every attribute in display order with how many values it has: one statement."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        return tuple(map(self._row, self._repo.all()))

    def attribute(self, attribute_id: int | str) -> AttributeDetail:
        """An attribute with its values in order, each with how many products and SKUs carry
        it: two statements."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        return self._detail(self._get(attribute_id))

    # -- writing ----------------------------------------------------------------------------

    def create(self, data: Mapping[str, Any]) -> AttributeDetail:
        """An attribute with its values (at least one) in the order given, shown after the
        others."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(AttributeSchema(), data)
        if self._repo.code_taken(values["code"]):
            raise Invalid({"code": _TAKEN})
        codes = [v["code"] for v in values["values"]]
        if len(set(codes)) != len(codes):
            raise Invalid({"values": _("Value codes must be unique")})
        attribute_id = self._repo.add(
            code=values["code"], name_zh=values["name_zh"], name_en=values["name_en"],
            is_variant_axis=values["is_variant_axis"], is_facet=values["is_facet"],
            values=[(v["code"], v["name_zh"], v["name_en"]) for v in values["values"]])
        self._changed("catalog.attribute.create", self._get(attribute_id), after=values)
        return self._detail(self._get(attribute_id))

    def update(self, attribute_id: int | str, data: Mapping[str, Any]) -> AttributeDetail:
        """Change an attribute's names and flags (a flag left out stays as it is)."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        attribute = self._get(attribute_id)
        values = validate(AttributeEditSchema(), data)
        before = {"name_zh": attribute.name_zh, "name_en": attribute.name_en,
                  "is_variant_axis": attribute.is_variant_axis, "is_facet": attribute.is_facet}
        after = {**before, **values}
        if after["is_variant_axis"] != before["is_variant_axis"] and any(
                v.products or v.skus for v in self._repo.values(attribute.id)):
            raise Invalid({"is_variant_axis": _(
                "Products use this attribute's values: their SKUs were built around whether "
                "it is a variant axis, so it cannot change now")})
        if after != before:
            self._repo.update(attribute.id, after)
            self._changed("catalog.attribute.update", attribute, before=before, after=after)
        return self._detail(self._get(attribute.id))

    def add_value(self, attribute_id: int | str, data: Mapping[str, Any]) -> AttributeDetail:
        """A value shown after the attribute's others."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        attribute = self._get(attribute_id)
        values = validate(AttributeValueSchema(), data)
        existing = self._repo.values(attribute.id)
        if any(v.code == values["code"] for v in existing):
            raise Invalid({"code": _TAKEN})
        position = max((v.position for v in existing), default=-1) + 1
        added = self._repo.add_value(attribute.id, code=values["code"],
                                     name_zh=values["name_zh"], name_en=values["name_en"],
                                     position=position)
        if added is None:  # another member of staff added the same code just now
            raise Invalid({"code": _TAKEN})
        self._changed("catalog.attribute.value.add", attribute, values["code"], after=values)
        return self._detail(self._get(attribute.id))

    def rename_value(self, attribute_id: int | str, code: str,
                     data: Mapping[str, Any]) -> AttributeDetail:
        self.uow.actor.require(Permission.CATALOG_WRITE)
        attribute = self._get(attribute_id)
        value = self._value(attribute, code)
        values = validate(AttributeValueEditSchema(), data)
        before = {"name_zh": value.name_zh, "name_en": value.name_en}
        if values != before:
            self._repo.rename_value(value.id, name_zh=values["name_zh"],
                                    name_en=values["name_en"])
            self._changed("catalog.attribute.value.rename", attribute, code, before=before,
                          after=values)
        return self._detail(self._get(attribute.id))

    def reorder_value(self, attribute_id: int | str, code: str,
                      data: Mapping[str, Any]) -> AttributeDetail:
        """Put a value at ``place`` (from 1) among the attribute's values."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        attribute = self._get(attribute_id)
        values = validate(PlaceSchema(), data)
        existing = self._repo.values(attribute.id)
        value = self._value(attribute, code, existing)
        order = [v.id for v in existing]
        old_place = order.index(value.id) + 1
        order.remove(value.id)
        order.insert(min(values["place"], len(existing)) - 1, value.id)
        moved = {key: place for place, key in enumerate(order)
                 if next(v for v in existing if v.id == key).position != place}
        self._repo.set_value_positions(moved)
        new_place = order.index(value.id) + 1
        if moved:
            self._changed("catalog.attribute.value.reorder", attribute, code,
                          before={"place": old_place}, after={"place": new_place})
        return self._detail(self._get(attribute.id))

    def delete_value(self, attribute_id: int | str, code: str) -> AttributeDetail:
        """Delete a value no product or SKU carries; ``Conflict`` when one does."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        attribute = self._get(attribute_id)
        value = self._value(attribute, code)
        if value.products or value.skus or not self._repo.delete_value(value.id):
            raise Conflict(_("${count} products carry this value: it cannot be deleted",
                             mapping={"count": max(value.products, 1)}))
        self._changed("catalog.attribute.value.delete", attribute, code,
                      before={"name_zh": value.name_zh, "name_en": value.name_en})
        return self._detail(self._get(attribute.id))

    # -- helpers ----------------------------------------------------------------------------

    def _changed(self, action: str, attribute: AttributeRecord, value_code: str | None = None,
                 **audited: Any) -> None:
        """Replace the revision token and audit: an attribute by its id, a value as
        "attribute code:value code" (what imports call it)."""
        self.uow._reference.changed("catalog")
        if value_code is None:
            self.uow._audit.record(action, "attribute", attribute.id, **audited)
        else:
            self.uow._audit.record(action, "attribute_value", f"{attribute.code}:{value_code}",
                                   **audited)

    def _get(self, attribute_id: int | str) -> AttributeRecord:
        key = entity_key(attribute_id)
        attribute = self._repo.get(key) if key is not None else None
        if attribute is None:
            raise NotFound(f"no attribute {attribute_id}")
        return attribute

    def _value(self, attribute: AttributeRecord, code: str,
               values: Sequence[AttributeValueRecord] | None = None) -> AttributeValueRecord:
        found = next((v for v in (values if values is not None
                                  else self._repo.values(attribute.id)) if v.code == code), None)
        if found is None:
            raise NotFound(f"no value {code!r} of attribute {attribute.code!r}")
        return found

    def _row(self, attribute: AttributeRecord) -> AttributeRow:
        return AttributeRow(attribute.id, attribute.code,
                            pick(self.uow.locale, attribute.name_zh, attribute.name_en),
                            attribute.name_zh, attribute.name_en, attribute.is_variant_axis,
                            attribute.is_facet, attribute.values)

    def _detail(self, attribute: AttributeRecord) -> AttributeDetail:
        return AttributeDetail(self._row(attribute), tuple(
            AttributeValueRow(v.id, v.code, pick(self.uow.locale, v.name_zh, v.name_en),
                              v.name_zh, v.name_en, place, v.products, v.skus)
            for place, v in enumerate(self._repo.values(attribute.id), start=1)))
