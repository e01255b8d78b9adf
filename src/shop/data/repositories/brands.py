"""Brands: read whole for the process's reference copy, written one at a time."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.data.models import Brand
from shop.data.repositories.catalog_records import BrandRecord, fetch, record_columns

_COLUMNS = record_columns(BrandRecord, {
    "id": Brand.id, "slug": Brand.slug, "name_zh": Brand.name_zh, "name_en": Brand.name_en,
    "position": Brand.position, "is_published": Brand.is_published,
})
_ALL = select(*_COLUMNS).order_by(Brand.position, Brand.id)


class BrandRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[BrandRecord]:
        """Every brand in display order, for the process's reference copy."""
        return fetch(self.session, _ALL, {}, BrandRecord)

    def by_slug(self, slug: str, *, published: bool = True) -> BrandRecord | None:
        statement = select(*_COLUMNS).where(Brand.slug == slug)
        if published:
            statement = statement.where(Brand.is_published.is_(True))
        found = fetch(self.session, statement, {}, BrandRecord)
        return found[0] if found else None

    def add(self, *, slug: str, name_zh: str, name_en: str) -> BrandRecord:
        brand = Brand(slug=slug, name_zh=name_zh, name_en=name_en)
        self.session.add(brand)
        # Flushed now so the caller gets its id and a taken slug surfaces here, not at commit.
        self.session.flush()
        return BrandRecord(brand.id, brand.slug, brand.name_zh, brand.name_en, brand.position,
                           brand.is_published)
