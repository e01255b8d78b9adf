"""Typed declarative models: one module per domain, one shared ``Base``."""

from shop.data.models.base import Base
from shop.data.models.catalog import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Listing,
    ListingFacetCount,
    Product,
    ProductAttributeValue,
    ProductImage,
    Sku,
    SkuAttributeValue,
)

__all__ = [
    "Attribute",
    "AttributeValue",
    "Base",
    "Brand",
    "Category",
    "Listing",
    "ListingFacetCount",
    "Product",
    "ProductAttributeValue",
    "ProductImage",
    "Sku",
    "SkuAttributeValue",
]
