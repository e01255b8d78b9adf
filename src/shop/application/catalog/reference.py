"""The catalog's reference data as one immutable copy: the category tree, brands, facet attributes.

Every listing page needs them (header navigation, breadcrumbs, sub-categories, the brand and
attribute facets) and staff change them rarely, so a process keeps one copy per revision (see
``shop.application.reference``) instead of reading them on every page. They grow with the
merchant's assortment (hundreds to a few thousand rows), never with the number of products.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shop.application.locales import pick
from shop.data.repositories.catalog_records import BrandRecord, CategoryRecord, FacetValueRecord


@dataclass(frozen=True)
class FacetAttribute:
    id: int
    code: str
    name: str
    #: value code → (value id, value name), in display order.
    values: dict[str, tuple[int, str]]


@dataclass(frozen=True)
class CatalogReference:
    #: Every category row by id (unpublished ones too: a breadcrumb may pass through one).
    categories: Mapping[int, CategoryRecord]
    #: The categories shoppers see: published, under published ones only (a hidden category
    #: hides its whole subtree, whatever the flags below it say).
    published_by_slug: Mapping[str, CategoryRecord]
    #: Their ids: a product in any other category is not sold (its page is not found).
    shown_ids: frozenset[int]
    #: Shown children of each category in display order; ``None`` holds the top categories.
    children: Mapping[int | None, tuple[CategoryRecord, ...]]
    brands: Mapping[int, BrandRecord]
    brands_by_slug: Mapping[str, BrandRecord]
    facet_values: tuple[FacetValueRecord, ...]
    #: locale → facet attributes by code, built on first use in that locale.
    _facets: dict[str, dict[str, FacetAttribute]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, categories: Sequence[CategoryRecord], brands: Sequence[BrandRecord],
              facet_values: Sequence[FacetValueRecord]) -> CatalogReference:
        """From every category and brand in display order, and the facet attributes' values."""
        by_id = {c.id: c for c in categories}
        shown = [c for c in categories if _shown(c, by_id)]
        children: dict[int | None, list[CategoryRecord]] = {}
        for category in shown:
            children.setdefault(category.parent_id, []).append(category)
        return cls(
            categories=by_id,
            published_by_slug={c.slug: c for c in shown},
            shown_ids=frozenset(c.id for c in shown),
            children={parent: tuple(rows) for parent, rows in children.items()},
            brands={b.id: b for b in brands},
            brands_by_slug={b.slug: b for b in brands},
            facet_values=tuple(facet_values),
        )

    def published_brand(self, slug: str) -> BrandRecord | None:
        brand = self.brands_by_slug.get(slug)
        return brand if brand is not None and brand.is_published else None

    def facet_attributes(self, locale: str) -> dict[str, FacetAttribute]:
        """Facet attributes by code, with names in ``locale``, in display order."""
        built = self._facets.get(locale)
        if built is None:
            built = {}
            for row in self.facet_values:
                attribute = built.setdefault(row.attribute_code, FacetAttribute(
                    row.attribute_id, row.attribute_code,
                    pick(locale, row.attribute_name_zh, row.attribute_name_en), {}))
                attribute.values[row.value_code] = (
                    row.value_id, pick(locale, row.value_name_zh, row.value_name_en))
            self._facets[locale] = built
        return built


def _shown(category: CategoryRecord, by_id: Mapping[int, CategoryRecord]) -> bool:
    """Whether ``category`` and every category above it are published."""
    return all(by_id[int(key)].is_published for key in category.path.strip("/").split("/")
               if key and int(key) in by_id)
