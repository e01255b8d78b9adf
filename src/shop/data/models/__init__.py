"""Typed declarative models: one module per domain, one shared ``Base``."""

from shop.data.models.accounts import Customer
from shop.data.models.audit import AuditEntry
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
from shop.data.models.messaging import OutboxMessage
from shop.data.models.sessions import WebSession

__all__ = [
    "Attribute",
    "AttributeValue",
    "AuditEntry",
    "Base",
    "Brand",
    "Category",
    "Customer",
    "Listing",
    "ListingFacetCount",
    "OutboxMessage",
    "Product",
    "ProductAttributeValue",
    "ProductImage",
    "Sku",
    "SkuAttributeValue",
    "WebSession",
]
