"""Test data built through the application tier, the way an integrator would build it."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from shop.application import UnitOfWork

_serial = itertools.count(1)

COLORS = [("red", "红色", "Red"), ("blue", "蓝色", "Blue"), ("black", "黑色", "Black")]
SIZES = [("s", "S", "S"), ("m", "M", "M"), ("l", "L", "L")]
FITS = [("slim", "修身", "Slim"), ("loose", "宽松", "Loose")]


def attributes(tx: UnitOfWork) -> None:
    """Colour and size (variant axes) and fit (版型, a product attribute)."""
    tx.catalog.create_attribute({"code": "color", "name_zh": "颜色", "name_en": "Colour",
                                 "is_variant_axis": True, "values": _values(COLORS)})
    tx.catalog.create_attribute({"code": "size", "name_zh": "尺码", "name_en": "Size",
                                 "is_variant_axis": True, "values": _values(SIZES)})
    tx.catalog.create_attribute({"code": "fit", "name_zh": "版型", "name_en": "Fit",
                                 "values": _values(FITS)})


def _values(rows: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in rows]


def category(tx: UnitOfWork, slug: str | None = None, parent: str | None = None,
             **extra: Any) -> Any:
    slug = slug or f"cat-{next(_serial)}"
    return tx.catalog.create_category({"slug": slug, "name_zh": f"分类{slug}",
                                       "name_en": f"Category {slug}", "parent": parent, **extra})


def brand(tx: UnitOfWork, slug: str | None = None) -> Any:
    slug = slug or f"brand-{next(_serial)}"
    return tx.catalog.create_brand({"slug": slug, "name_zh": f"品牌{slug}",
                                    "name_en": f"Brand {slug}"})


def product(tx: UnitOfWork, category: str, brand: str | None = None, *,
            price: str = "99.00", stock: int = 10, colors: tuple[str, ...] = ("red",),
            sizes: tuple[str, ...] = ("m",), fit: str | None = "slim", published: bool = True,
            name_en: str | None = None, **extra: Any) -> Any:
    """A product with one SKU per colour × size; the first SKU costs ``price``."""
    n = next(_serial)
    skus = []
    for i, (color, size) in enumerate(itertools.product(colors, sizes)):
        skus.append({"code": f"T{n:05d}-{i}", "price": str(Decimal(price) + i),
                     "list_price": None, "stock_on_hand": stock,
                     "values": [f"color:{color}", f"size:{size}"]})
    return tx.catalog.create_product({
        "slug": f"product-{n}", "name_zh": f"测试商品{n}", "name_en": name_en or f"Product {n}",
        "description_html": "<p>A test product</p>", "category": category, "brand": brand,
        "is_published": published, "values": [f"fit:{fit}"] if fit else [], "skus": skus,
        **extra,
    })


def small_catalog(tx: UnitOfWork, products: int = 12) -> dict[str, Any]:
    """A two-level tree with two brands and ``products`` products spread over both leaves."""
    attributes(tx)
    top = category(tx, "clothes")
    leaves = [category(tx, "shirts", parent="clothes"), category(tx, "jeans", parent="clothes")]
    brands = [brand(tx, "acme"), brand(tx, "zenith")]
    made = []
    for i in range(products):
        made.append(product(
            tx, leaves[i % 2].slug, brands[i % 2].slug, price=f"{50 + i * 10}.00",
            colors=(COLORS[i % 3][0],), sizes=("s", "m"), fit=FITS[i % 2][0],
            stock=0 if i % 5 == 4 else 10))
    return {"top": top, "leaves": leaves, "brands": brands, "products": made}
