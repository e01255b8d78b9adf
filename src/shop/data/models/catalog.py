"""The catalog: category tree, brands, attributes, products (SPU) and their SKUs.

``Listing`` and ``ListingFacetCount`` are derived read tables that the catalog service keeps up
to date whenever a product changes. A listing row exists for every place a published product is
listed (each ancestor category, its brand, the whole shop) and copies the sort keys, so a
category page at any depth reads one index range in the order it shows, whatever the catalog's
size. Facet counts of an unfiltered listing are kept ready likewise.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.data.models.base import Base, stamped


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: Ancestor ids from the root down, this one included, as "/1/5/12/": a subtree is a prefix.
    path: Mapped[str] = mapped_column(String(255), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent")


class Brand(Base):
    __tablename__ = "brand"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)


class Attribute(Base):
    """A property shoppers filter by (colour, size, 版型) or choose a variant by."""

    __tablename__ = "attribute"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: A variant axis distinguishes the SKUs of one product; other attributes describe the SPU.
    is_variant_axis: Mapped[bool] = mapped_column(Boolean, default=False)
    is_facet: Mapped[bool] = mapped_column(Boolean, default=True)

    values: Mapped[list[AttributeValue]] = relationship(back_populates="attribute")


class AttributeValue(Base):
    __tablename__ = "attribute_value"
    __table_args__ = (UniqueConstraint("attribute_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attribute.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)

    attribute: Mapped[Attribute] = relationship(back_populates="values")


class Product(Base):
    """The SPU. Price columns summarise its SKUs so a list never has to read them."""

    __tablename__ = "product"
    __table_args__ = (
        Index("ix_product_published_created", "is_published", "created_at"),
        # The back office's product list (migration 0022): each sort it offers, keyset on
        # (key, id), and the category and brand filters in id (newest) order.
        Index("ix_product_name_zh_id", "name_zh", "id"),
        Index("ix_product_price_id", "price", "id"),
        Index("ix_product_category_id_id", "category_id", "id"),
        Index("ix_product_brand_id_id", "brand_id", "id"),
        # Its search by slug prefix (LIKE 'x%'): PostgreSQL needs the pattern operator class
        # under any collation but C (on SQLite it is a plain copy of the unique index).
        Index("ix_product_slug_pattern", "slug", postgresql_ops={"slug": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brand.id"), index=True)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    sales_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = stamped()
    #: Lowest SKU price and that SKU's list price, kept by the catalog service.
    price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    list_price: Mapped[Decimal | None]
    #: Whether any SKU can be sold (on hand above reserved): derived from the inventory when the
    #: product is indexed, and kept by the ``inventory.stock_changed`` handler after that.
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    cover_image_url: Mapped[str | None] = mapped_column(String(500))
    #: When an order takes stock: True reserves it at submission and deducts at payment
    #: (下单减库存, the default); False takes it only at payment (付款减库存, pre-sales), where a
    #: few may be oversold and each shortfall is recorded for staff.
    reserves_stock: Mapped[bool] = mapped_column(Boolean, default=True,
                                                 server_default=true())
    #: When a hidden product goes live by itself (the ``publish-scheduled-products`` job);
    #: None when nothing is scheduled.
    publish_at: Mapped[datetime | None] = mapped_column(index=True)

    category: Mapped[Category] = relationship()
    brand: Mapped[Brand | None] = relationship()
    skus: Mapped[list[Sku]] = relationship(back_populates="product", order_by="Sku.position")
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position"
    )


class Sku(Base):
    """A variant of a product; how many there are is the inventory's (``StockLevel``)."""

    __tablename__ = "sku"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("floor_price >= 0", name="floor_price_not_negative"),
        # The back office's product search by SKU code prefix (migration 0022).
        Index("ix_sku_code_pattern", "code", postgresql_ops={"code": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    price: Mapped[Decimal]
    list_price: Mapped[Decimal | None]
    #: The lowest price any combination of promotions may sell a unit at (价格底线).
    floor_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"),
                                                 server_default="0")
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    #: Unique where given, so that two SKUs written at once cannot share one.
    barcode: Mapped[str | None] = mapped_column(String(32), index=True, unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="skus")


class SkuAttributeValue(Base):
    __tablename__ = "sku_attribute_value"

    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"), primary_key=True)
    attribute_value_id: Mapped[int] = mapped_column(
        ForeignKey("attribute_value.id"), primary_key=True, index=True
    )


class ProductAttributeValue(Base):
    """Every attribute value a product has, its SKUs' included: what facet filters read."""

    __tablename__ = "product_attribute_value"
    __table_args__ = (Index("ix_product_attribute_value_value_product", "attribute_value_id",
                            "product_id"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    attribute_value_id: Mapped[int] = mapped_column(
        ForeignKey("attribute_value.id"), primary_key=True
    )


class ProductImage(Base):
    __tablename__ = "product_image"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    alt_zh: Mapped[str] = mapped_column(String(200), default="")
    alt_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="images")


class Listing(Base):
    """One row per (scope, published product).

    A scope is where a product is listed: ``("c", category id)`` for the category and each of its
    ancestors, ``("b", brand id)``, and ``("a", 0)`` for the whole shop.
    """

    __tablename__ = "listing"
    __table_args__ = (
        Index("ix_listing_relevance", "scope_kind", "scope_id", "sort_order", "sales_count",
              "product_id"),
        Index("ix_listing_sales", "scope_kind", "scope_id", "sales_count", "product_id"),
        Index("ix_listing_price", "scope_kind", "scope_id", "price", "product_id"),
        Index("ix_listing_newest", "scope_kind", "scope_id", "created_at", "product_id"),
        Index("ix_listing_brand", "scope_kind", "scope_id", "brand_id"),
    )

    scope_kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id"), primary_key=True, index=True
    )
    brand_id: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal]
    sales_count: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class ListingFacetCount(Base):
    """Ready facet counts of an unfiltered scope.

    ``facet`` is "total" (key 0), "category" (a child category id), "brand", "value" (an
    attribute value id) or "price" (a price band's index).
    """

    __tablename__ = "listing_facet_count"

    scope_kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facet: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
