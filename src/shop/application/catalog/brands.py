"""Brands as staff keep them: ``uow.brands``.

Staff list brands with how many products carry each, create them, edit their slug and names,
and hide or show them. A hidden brand has no page and is no filter in listings, and product
pages name no brand for it; its products stay listed (hiding a label withdraws no goods).
Reading needs ``catalog:product:view``, writing ``catalog:product:write``; every write is
audited and replaces the catalog's revision token, so every process sees it on its next page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.catalog.schemas import BrandSchema
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.validation import entity_key, validate
from shop.data.repositories.brands import BrandRepository
from shop.data.repositories.catalog_records import BrandRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@dataclass(frozen=True)
class BrandRow:
    id: int
    slug: str
    #: In the acting staff member's language.
    name: str
    name_zh: str
    name_en: str
    position: int
    is_published: bool
    #: Products carrying it, published or not.
    products: int


class BrandService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = BrandRepository(uow._session)

    def brands(self) -> tuple[BrandRow, ...]:
        """Every brand in display order, hidden ones too: two statements."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        counts = self._repo.product_counts()
        return tuple(self._row(b, counts) for b in self._repo.all())

    def brand(self, brand_id: int | str) -> BrandRow:
        self.uow.actor.require(Permission.CATALOG_VIEW)
        return self._row(self._get(brand_id))

    def create(self, data: Mapping[str, Any]) -> BrandRow:
        """A brand listed after the others, shown at once."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(BrandSchema(), data)
        self._require_free_slug(values["slug"])
        brand = self._repo.add(slug=values["slug"], name_zh=values["name_zh"],
                               name_en=values["name_en"])
        self.uow._reference.changed("catalog")
        self.uow._audit.record("catalog.brand.create", "brand", brand.id, after=values)
        return self._row(brand, {})

    def update(self, brand_id: int | str, data: Mapping[str, Any]) -> BrandRow:
        """Change a brand's slug and names (its page's address changes with its slug)."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        brand = self._get(brand_id)
        values = validate(BrandSchema(), data)
        if values["slug"] != brand.slug:
            self._require_free_slug(values["slug"])
        before = {"slug": brand.slug, "name_zh": brand.name_zh, "name_en": brand.name_en}
        if values != before:
            self._repo.rename(brand.id, slug=values["slug"], name_zh=values["name_zh"],
                              name_en=values["name_en"])
            self.uow._reference.changed("catalog")
            self.uow._audit.record("catalog.brand.update", "brand", brand.id, before=before,
                                   after=values)
        return self._current(brand.id)

    def hide(self, brand_id: int | str) -> BrandRow:
        return self._publish(brand_id, False)

    def show(self, brand_id: int | str) -> BrandRow:
        return self._publish(brand_id, True)

    def _current(self, brand_id: int) -> BrandRow:
        """The brand as a write left it (no permission check of its own)."""
        return self._row(self._get(brand_id), self._repo.product_counts())

    def _publish(self, brand_id: int | str, published: bool) -> BrandRow:
        self.uow.actor.require(Permission.CATALOG_WRITE)
        brand = self._get(brand_id)
        if brand.is_published != published:
            self._repo.set_published(brand.id, published)
            self.uow._reference.changed("catalog")
            self.uow._audit.record("catalog.brand.show" if published else "catalog.brand.hide",
                                   "brand", brand.id, before={"is_published": brand.is_published},
                                   after={"is_published": published})
        return self._current(brand.id)

    def _get(self, brand_id: int | str) -> BrandRecord:
        key = entity_key(brand_id)
        brand = self._repo.get(key) if key is not None else None
        if brand is None:
            raise NotFound(f"no brand {brand_id}")
        return brand

    def _require_free_slug(self, slug: str) -> None:
        if self._repo.by_slug(slug, published=False) is not None:
            raise Invalid({"slug": _("Already taken")})

    def _row(self, brand: BrandRecord, counts: Mapping[int, int] | None = None) -> BrandRow:
        if counts is None:
            counts = self._repo.product_counts()
        return BrandRow(brand.id, brand.slug, pick(self.uow.locale, brand.name_zh, brand.name_en),
                        brand.name_zh, brand.name_en, brand.position, brand.is_published,
                        counts.get(brand.id, 0))
