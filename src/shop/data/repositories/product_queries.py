"""The product page's statements, built once (building one costs more than running it)."""

from __future__ import annotations

from sqlalchemy import bindparam, select

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
)
from shop.data.repositories.listing_queries import SORTS, card_columns

PRODUCT_DETAIL = (
    select(Product.id, Product.slug, Product.name_zh, Product.name_en,
           Product.description_html, Product.category_id,
           Brand.id.label("brand_id"), Brand.slug.label("brand_slug"),
           Brand.name_zh.label("brand_name_zh"), Brand.name_en.label("brand_name_en"),
           Category.slug.label("category_slug"),
           Category.name_zh.label("category_name_zh"),
           Category.name_en.label("category_name_en"),
           Category.path.label("category_path"))
    .join(Category, Category.id == Product.category_id)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .where(Product.slug == bindparam("slug"), Product.is_published.is_(True),
           Category.is_published.is_(True))
)
SKUS = (
    select(Sku.id, Sku.code, Sku.price, Sku.list_price, Sku.stock_on_hand, Sku.weight_grams,
           Sku.barcode)
    .where(Sku.product_id == bindparam("product_id")).order_by(Sku.position, Sku.id)
)
SKU_VALUES = (
    select(
        SkuAttributeValue.sku_id, Attribute.id.label("attribute_id"),
        Attribute.code.label("attribute_code"),
        Attribute.name_zh.label("attribute_name_zh"),
        Attribute.name_en.label("attribute_name_en"),
        AttributeValue.id.label("value_id"), AttributeValue.code.label("value_code"),
        AttributeValue.name_zh.label("value_name_zh"),
        AttributeValue.name_en.label("value_name_en"),
    )
    .join(Sku, Sku.id == SkuAttributeValue.sku_id)
    .join(AttributeValue, AttributeValue.id == SkuAttributeValue.attribute_value_id)
    .join(Attribute, Attribute.id == AttributeValue.attribute_id)
    .where(Sku.product_id == bindparam("product_id"))
    .order_by(Attribute.position, Attribute.id, AttributeValue.position, AttributeValue.id)
)
SPECS = (
    select(Attribute.name_zh.label("attribute_name_zh"),
           Attribute.name_en.label("attribute_name_en"),
           AttributeValue.name_zh.label("value_name_zh"),
           AttributeValue.name_en.label("value_name_en"))
    .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
    .join(ProductAttributeValue, ProductAttributeValue.attribute_value_id == AttributeValue.id)
    .where(ProductAttributeValue.product_id == bindparam("product_id"),
           Attribute.is_variant_axis.is_(False))
    .order_by(Attribute.position, AttributeValue.position)
)
IMAGES = (
    select(ProductImage.url, ProductImage.alt_zh, ProductImage.alt_en)
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
