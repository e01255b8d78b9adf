"""Loading the demo shop in one transaction: interrupted, it leaves nothing behind."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.catalog.indexing import ListingIndex
from shop.application.demo import content
from shop.application.demo.promotions import load_promotions
from shop.application.demo.shipping import load_shipping_methods
from shop.application.errors import Conflict
from shop.data.repositories.bulk_load import BulkLoadRepository
from shop.data.repositories.inventory import InventoryRepository
from shop.data.repositories.products import ProductRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

DEFAULT_PRODUCTS = 2000
BATCH = 2000
IMAGES_PER_TOP = 4
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

Progress = Callable[[str, int, int], None]
#: Rows to insert, by table name.
Batch = dict[str, list[dict[str, Any]]]


def ean13(body12: str) -> str:
    """Complete 12 digits with the EAN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


class DemoService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.bulk = BulkLoadRepository(uow._session)

    def is_empty(self) -> bool:
        return not ProductRepository(self.uow._session).has_any()

    def load(self, products: int = DEFAULT_PRODUCTS, *, seed: int = 2026,
             progress: Progress | None = None) -> int:
        """Create the demo catalog with ``products`` SPUs; the same seed gives the same shop."""
        self.uow.actor.require(Permission.SYSTEM_DATABASE)
        if not self.is_empty():
            raise Conflict("the catalog is not empty; the demo loads into an empty shop only")
        report = progress or (lambda stage, done, total: None)
        rng = random.Random(seed)
        ids = self.bulk.max_ids()
        reference = self._reference_data(ids)
        done = 0
        for batch in self._product_batches(rng, reference, ids, products):
            for table, rows in batch.items():
                self.bulk.insert(table, rows)
            done += len(batch["product"])
            report("products", done, products)
        report("listing", 0, 1)
        ListingIndex(self.uow).rebuild(summaries=False)
        report("listing", 1, 1)
        load_shipping_methods(self.uow)
        load_promotions(self.uow)
        # The load numbered its rows itself: the database's id sequences must learn of them, or
        # the next category a member of staff creates collides with one (PostgreSQL); and the
        # planner needs statistics of the tables just filled, or it plans for empty ones.
        report("analyze", 0, 1)
        self.bulk.advance_id_sequences()
        self.bulk.analyze()
        report("analyze", 1, 1)
        return done

    def _reference_data(self, ids: dict[str, int]) -> dict[str, Any]:
        """Categories, brands and attributes; returns what the product generator draws from."""
        next_id = {k: v + 1 for k, v in ids.items()}

        def take(table: str) -> int:
            next_id[table] += 1
            return next_id[table] - 1

        values: dict[str, list[tuple[int, str]]] = {}
        attribute_rows, value_rows = [], []
        for position, (code, zh, en, axis, options) in enumerate(content.ATTRIBUTES):
            attribute_id = take("attribute")
            attribute_rows.append(dict(id=attribute_id, code=code, name_zh=zh, name_en=en,
                                       position=position, is_variant_axis=axis, is_facet=True))
            for vpos, (vcode, vzh, ven) in enumerate(options):
                value_id = take("attribute_value")
                value_rows.append(dict(id=value_id, attribute_id=attribute_id, code=vcode,
                                       name_zh=vzh, name_en=ven, position=vpos))
                values.setdefault(code, []).append((value_id, vcode))
        brands: dict[str, list[tuple[int, str, str]]] = {}
        brand_rows = []
        for position, (slug, zh, en, top) in enumerate(content.BRANDS):
            brand_id = take("brand")
            brand_rows.append(dict(id=brand_id, slug=slug, name_zh=zh, name_en=en,
                                   position=position, is_published=True))
            brands.setdefault(top, []).append((brand_id, zh, en))
        category_rows, leaves = [], []
        for tpos, (slug, zh, en, axes, attrs, subs) in enumerate(content.TREE):
            top_id = take("category")
            category_rows.append(dict(id=top_id, parent_id=None, slug=slug, name_zh=zh,
                                      name_en=en, path=f"/{top_id}/", depth=0, position=tpos,
                                      is_published=True))
            for spos, (sslug, szh, sen, leaf_list) in enumerate(subs):
                sub_id = take("category")
                category_rows.append(dict(id=sub_id, parent_id=top_id, slug=sslug, name_zh=szh,
                                          name_en=sen, path=f"/{top_id}/{sub_id}/", depth=1,
                                          position=spos, is_published=True))
                for lpos, (lslug, lzh, len_, noun_zh, noun_en) in enumerate(leaf_list):
                    leaf_id = take("category")
                    category_rows.append(dict(
                        id=leaf_id, parent_id=sub_id, slug=lslug, name_zh=lzh, name_en=len_,
                        path=f"/{top_id}/{sub_id}/{leaf_id}/", depth=2, position=lpos,
                        is_published=True))
                    materials = content.MATERIALS.get(lslug) or content.MATERIALS.get(slug) or ()
                    leaves.append(dict(
                        id=leaf_id, top=slug, slug=lslug, noun_zh=noun_zh, noun_en=noun_en,
                        axes=content.LEAF_AXES.get(lslug, axes), prices=content.LEAF_PRICES[lslug],
                        # The values each product attribute may take here.
                        attrs={a: [v for v in values[a] if a != "material" or v[1] in materials]
                               for a in attrs}))
        for table, rows in (("attribute", attribute_rows), ("attribute_value", value_rows),
                            ("brand", brand_rows), ("category", category_rows)):
            self.bulk.insert(table, rows)
        self.uow._reference.changed("catalog")
        return dict(values=values, brands=brands, leaves=leaves)

    def _product_batches(self, rng: random.Random, ref: dict[str, Any], ids: dict[str, int],
                         count: int) -> Iterator[Batch]:
        product_id, sku_id, image_id = ids["product"], ids["sku"], ids["product_image"]
        # Stock is bulk-loaded too: the inventory's rows and their opening movements, with
        # ``in_stock`` set from them below rather than by ``inventory.stock_changed`` handlers,
        # which would be one event and one UPDATE per SKU for what one INSERT writes.
        warehouse_id = InventoryRepository(self.uow._session).default_warehouse_id()
        opening = dict(warehouse_id=warehouse_id, reserved_delta=0, reason="opening",
                       reference="demo", actor=self.uow.actor.name,
                       occurred_at=self.uow.clock.now())
        values, brands, leaves = ref["values"], ref["brands"], ref["leaves"]
        storage_rank = {value_id: rank for rank, (value_id, _) in enumerate(values["storage"])}
        for start in range(0, count, BATCH):
            batch: Batch = {"product": [], "sku": [], "stock_level": [], "stock_movement": [],
                            "sku_attribute_value": [],
                            "product_attribute_value": [], "product_image": []}
            for _ in range(start, min(count, start + BATCH)):
                product_id += 1
                leaf = rng.choice(leaves)
                brand_id, brand_zh, brand_en = rng.choice(brands[leaf["top"]])
                adj_zh, adj_en = rng.choice(content.ADJECTIVES)
                model_no = f"{rng.randint(100, 999)}"
                name_zh = f"{brand_zh} {adj_zh}{leaf['noun_zh']} {model_no}"
                name_en = f"{brand_en} {adj_en} {leaf['noun_en']} {model_no}"
                desc_zh, desc_en = rng.choice(content.DESCRIPTIONS)
                lo, hi = leaf["prices"]
                base = Decimal(rng.randint(lo, hi)) - Decimal("0.10")
                product_values = {rng.choice(choices)[0] for choices in leaf["attrs"].values()}
                # Two or three choices per axis, crossed into SKUs (a book has one or two).
                axis_choices = [rng.sample(values[a], k=min(len(values[a]), rng.randint(1, 3)))
                                for a in leaf["axes"]]
                combos: list[list[tuple[int, str]]] = [[]]
                for choices in axis_choices:
                    combos = [[*c, v] for c in combos for v in choices]
                prices, stocked = [], False
                for position, combo in enumerate(combos[:12]):
                    sku_id += 1
                    # More storage costs more: 200 yuan a step up the capacity ladder.
                    price = base + sum((Decimal(200 * storage_rank.get(v, 0)) for v, _ in combo),
                                       Decimal(0))
                    list_price = (price * Decimal("1.25")).quantize(Decimal("1")) \
                        if rng.random() < 0.4 else None
                    stock = 0 if rng.random() < 0.12 else rng.randint(1, 300)
                    stocked = stocked or stock > 0
                    prices.append((price, list_price))
                    batch["sku"].append(dict(
                        id=sku_id, product_id=product_id, code=f"SKU{sku_id:08d}",
                        price=price, list_price=list_price,
                        weight_grams=rng.randint(100, 3000),
                        barcode=ean13(f"69{sku_id:010d}"), position=position))
                    batch["stock_level"].append(dict(sku_id=sku_id, warehouse_id=warehouse_id,
                                                     on_hand=stock, reserved=0))
                    if stock:
                        batch["stock_movement"].append(dict(opening, sku_id=sku_id,
                                                            delta=stock))
                    for value_id, _ in combo:
                        batch["sku_attribute_value"].append(dict(sku_id=sku_id,
                                                             attribute_value_id=value_id))
                        product_values.add(value_id)
                price, list_price = min(prices, key=lambda p: p[0])
                image = rng.randint(1, IMAGES_PER_TOP)
                cover = f"/static/demo/{leaf['top']}-{image}.svg"
                batch["product"].append(dict(
                    id=product_id, slug=f"{leaf['slug']}-{product_id}", name_zh=name_zh,
                    name_en=name_en,
                    description_html=desc_zh.format(zh=name_zh) + desc_en.format(en=name_en),
                    category_id=leaf["id"], brand_id=brand_id, is_published=rng.random() > 0.02,
                    sort_order=10 if rng.random() < 0.03 else 0,
                    sales_count=int(rng.paretovariate(1.2) * 10) - 10,
                    created_at=EPOCH + timedelta(minutes=rng.randint(0, 60 * 24 * 330)),
                    price=price, list_price=list_price, in_stock=stocked, cover_image_url=cover))
                for position in range(2):
                    image_id += 1
                    batch["product_image"].append(dict(
                        id=image_id, product_id=product_id, position=position,
                        url=f"/static/demo/{leaf['top']}-{(image + position - 1) % 4 + 1}.svg",
                        alt_zh=name_zh, alt_en=name_en))
                batch["product_attribute_value"].extend(
                    dict(product_id=product_id, attribute_value_id=v)
                    for v in sorted(product_values))
            yield batch
