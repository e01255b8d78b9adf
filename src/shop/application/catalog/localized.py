"""The catalog's records as the read models of one language.

The catalog's services and the listing builder both shape records into read models; this is
what they share, so that neither has to hold the other.
"""

from __future__ import annotations

from typing import Protocol

from shop.application.catalog.display import show_list_price
from shop.application.catalog.read_models import BrandRef, CategoryRef, ProductCard
from shop.application.locales import pick
from shop.data.repositories.catalog_records import BrandRecord, CardRecord, CategoryRecord


class Named(Protocol):
    @property
    def name_zh(self) -> str: ...

    @property
    def name_en(self) -> str: ...


class LocalizedCatalog:
    def __init__(self, locale: str) -> None:
        self.locale = locale

    def name(self, record: Named) -> str:
        return pick(self.locale, record.name_zh, record.name_en)

    def category_ref(self, category: CategoryRecord) -> CategoryRef:
        return CategoryRef(category.id, category.slug, self.name(category))

    def brand_ref(self, brand: BrandRecord) -> BrandRef:
        return BrandRef(brand.id, brand.slug, self.name(brand))

    def card(self, record: CardRecord) -> ProductCard:
        brand = (pick(self.locale, record.brand_name_zh, record.brand_name_en or "")
                 if record.brand_name_zh is not None else None)
        return ProductCard(record.id, record.slug, self.name(record), brand, record.price,
                           record.list_price, record.in_stock, record.cover_image_url,
                           show_list_price(record.price, record.list_price),
                           record.category_id, record.brand_id)
