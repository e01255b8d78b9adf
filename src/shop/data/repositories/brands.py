"""Brands: read whole for the process's reference copy, written one at a time."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shop.data.models import Brand, Product
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

    def get(self, brand_id: int) -> BrandRecord | None:
        found = fetch(self.session, select(*_COLUMNS).where(Brand.id == brand_id), {},
                      BrandRecord)
        return found[0] if found else None

    def product_counts(self) -> dict[int, int]:
        """How many products (published or not) carry each brand, in one statement."""
        return dict(self.session.execute(  # type: ignore[arg-type]
            select(Product.brand_id, func.count()).where(Product.brand_id.is_not(None))
            .group_by(Product.brand_id)).all())

    def add(self, *, slug: str, name_zh: str, name_en: str) -> BrandRecord:
        """A brand listed after the others."""
        position = (self.session.scalar(select(func.max(Brand.position))) or 0) + 1
        brand = Brand(slug=slug, name_zh=name_zh, name_en=name_en, position=position)
        self.session.add(brand)
        # Flushed now so the caller gets its id and a taken slug surfaces here, not at commit.
        self.session.flush()
        return BrandRecord(brand.id, brand.slug, brand.name_zh, brand.name_en, brand.position,
                           brand.is_published)

    def rename(self, brand_id: int, *, slug: str, name_zh: str, name_en: str) -> None:
        self.session.execute(update(Brand).where(Brand.id == brand_id)
                             .values(slug=slug, name_zh=name_zh, name_en=name_en))

    def set_published(self, brand_id: int, published: bool) -> None:
        self.session.execute(update(Brand).where(Brand.id == brand_id)
                             .values(is_published=published))
