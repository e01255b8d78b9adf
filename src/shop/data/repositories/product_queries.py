"""The product page's statements, built once (building one costs more than running it).

Each selects the columns of its record (``catalog_records``), in the record's order.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from shop.data.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Listing,
    Product,
    ProductAttributeValue,
    ProductImage,
    Sku,
    SkuAttributeValue,
    StockLevel,
)
from shop.data.repositories.catalog_records import (
    ImageRecord,
    ProductDetailRecord,
    SkuRecord,
    SkuValueRecord,
    SpecRecord,
    record_columns,
)
from shop.data.repositories.listing_queries import SORTS, card_columns, hidden_categories

PRODUCT_DETAIL = (
    select(*record_columns(ProductDetailRecord, {
        "id": Product.id, "slug": Product.slug, "name_zh": Product.name_zh,
        "name_en": Product.name_en, "description_html": Product.description_html,
        "category_id": Product.category_id, "category_slug": Category.slug,
        "category_name_zh": Category.name_zh, "category_name_en": Category.name_en,
        "category_path": Category.path, "brand_id": Brand.id, "brand_slug": Brand.slug,
        "brand_name_zh": Brand.name_zh, "brand_name_en": Brand.name_en,
    }))
    .select_from(Product)
    .join(Category, Category.id == Product.category_id)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .where(Product.slug == bindparam("slug"), Product.is_published.is_(True),
           Product.category_id.not_in(hidden_categories()))
)
#: What can be sold of the SKU, every warehouse together; read with the SKUs, in their query.
_AVAILABLE = (select(func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0))
              .where(StockLevel.sku_id == Sku.id).correlate(Sku).scalar_subquery())
SKUS = (
    select(*record_columns(SkuRecord, {
        "id": Sku.id, "code": Sku.code, "price": Sku.price, "list_price": Sku.list_price,
        "available": _AVAILABLE, "weight_grams": Sku.weight_grams,
        "barcode": Sku.barcode,
    }))
    .where(Sku.product_id == bindparam("product_id")).order_by(Sku.position, Sku.id)
)
SKU_VALUES = (
    select(*record_columns(SkuValueRecord, {
        "sku_id": SkuAttributeValue.sku_id, "attribute_id": Attribute.id,
        "attribute_name_zh": Attribute.name_zh, "attribute_name_en": Attribute.name_en,
        "value_id": AttributeValue.id, "value_name_zh": AttributeValue.name_zh,
        "value_name_en": AttributeValue.name_en,
    }))
    .select_from(SkuAttributeValue)
    .join(Sku, Sku.id == SkuAttributeValue.sku_id)
    .join(AttributeValue, AttributeValue.id == SkuAttributeValue.attribute_value_id)
    .join(Attribute, Attribute.id == AttributeValue.attribute_id)
    .where(Sku.product_id == bindparam("product_id"))
    .order_by(Attribute.position, Attribute.id, AttributeValue.position, AttributeValue.id)
)
SPECS = (
    select(*record_columns(SpecRecord, {
        "attribute_name_zh": Attribute.name_zh, "attribute_name_en": Attribute.name_en,
        "value_name_zh": AttributeValue.name_zh, "value_name_en": AttributeValue.name_en,
    }))
    .select_from(Attribute)
    .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
    .join(ProductAttributeValue, ProductAttributeValue.attribute_value_id == AttributeValue.id)
    .where(ProductAttributeValue.product_id == bindparam("product_id"),
           Attribute.is_variant_axis.is_(False))
    .order_by(Attribute.position, AttributeValue.position)
)
IMAGES = (
    select(*record_columns(ImageRecord, {
        "url": ProductImage.url, "alt_zh": ProductImage.alt_zh, "alt_en": ProductImage.alt_en,
    }))
    .where(ProductImage.product_id == bindparam("product_id"))
    .order_by(ProductImage.position, ProductImage.id)
)
RELATED = (
    select(*card_columns())
    .select_from(Listing)
    .join(Product, Product.id == Listing.product_id)
    .outerjoin(Brand, Brand.id == Listing.brand_id)
    .where(Listing.scope_kind == "c", Listing.scope_id == bindparam("category_id"),
           Listing.product_id != bindparam("product_id"))
    .order_by(*SORTS["sales"]).limit(bindparam("limit"))
)
#: One product's card, after a write.
CARD = (
    select(*card_columns())
    .select_from(Product)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .where(Product.id == bindparam("product_id"))
)
