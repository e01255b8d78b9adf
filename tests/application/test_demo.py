"""The demo loader: deterministic, believable, all-or-nothing, and leaves the shop as it would
be after ordinary writes: writable and with planner statistics."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, create_engine, make_url, text

from shop.application import Conflict, Forbidden, Shop
from tests.conftest import TEST_DATABASE_VARIABLE


@pytest.fixture
def new_database(tmp_path) -> Iterator[Callable[[], str]]:
    """Makes empty databases, as an operator's first ``db upgrade`` meets them: SQLite files,
    or PostgreSQL databases (dropped afterwards) when the suite runs on PostgreSQL. A bulk load
    is tested committed, as ``shop-admin demo load`` runs it, not inside a test's rollback."""
    server = os.environ.get(TEST_DATABASE_VARIABLE)
    made: list[str] = []

    def make() -> str:
        name = f"shop_test_{uuid.uuid4().hex[:12]}"
        made.append(name)
        if not server:
            return f"sqlite:///{tmp_path / name}.sqlite"
        with _admin(server) as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return make_url(server).set(database=name).render_as_string(hide_password=False)

    yield make
    if server:
        with _admin(server) as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _admin(server: str) -> Iterator[Connection]:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _names(shop: Shop) -> list[str]:
    with shop.transaction(writes=False, locale="en") as tx:
        page = tx.catalog.category_page("clothing", {"sort": ["newest"], "per_page": ["24"]})
        return [p.name for p in page.products]


def _loaded(url: str, products: int) -> Shop:
    shop = Shop.from_settings({"sqlalchemy.url": url})
    shop.upgrade_database()
    with shop.transaction(actor=shop.system_actor("demo")) as tx:
        tx.demo.load(products)
    return shop


def test_same_seed_same_shop(new_database):
    first, second = _loaded(new_database(), 300), _loaded(new_database(), 300)
    try:
        assert _names(first) == _names(second) != []
        with first.transaction(writes=False, locale="zh_CN") as tx:
            home = tx.catalog.home_page()
        assert [n.category.name for n in home.categories] == ["服装", "数码", "家居", "图书"]
        assert len(home.best_sellers) == 8
    finally:
        first.dispose()
        second.dispose()


def test_after_a_load_staff_can_write_and_the_planner_has_statistics(new_database):
    """The loader numbers its rows itself; new rows must not collide with them (PostgreSQL's
    sequences know nothing of explicit ids until told), and the tables it filled are analyzed."""
    url = new_database()
    shop = _loaded(url, 50)
    try:
        with shop.transaction(actor=shop.system_actor("staff"), locale="en") as tx:
            tx.catalog.create_category({"slug": "gifts", "name_zh": "礼品", "parent": "clothing"})
            brand = tx.catalog.create_brand({"slug": "newcomer", "name_zh": "新品牌"})
            tx.catalog.create_attribute({"code": "wrapping", "name_zh": "包装",
                                         "values": [{"code": "gift", "name_zh": "礼盒"}]})
            card = tx.catalog.create_product({
                "slug": "gift-scarf", "name_zh": "礼品围巾", "category": "gifts",
                "brand": "newcomer", "is_published": True, "values": ["wrapping:gift"],
                "skus": [{"code": "GIFT-1", "price": "88.00", "values": ["color:red"]},
                         {"code": "GIFT-2", "price": "98.00", "values": ["color:blue"]}]})
        with shop.transaction(writes=False, locale="en") as tx:
            page = tx.catalog.category_page("gifts", {})
            assert [p.slug for p in page.products] == [card.slug]
            assert brand.slug in tx.catalog.reference().brands_by_slug
        with shop.transaction(actor=shop.system_actor("staff"), locale="en") as tx:
            # The demo's campaigns and coupons, ready to be met.
            assert {c.code for c in tx.promotions.page().campaigns} == {
                "double-12", "shirts-90", "flash-sale"}
            assert tx.promotions.landing("flash-sale").products
            assert {t.public_code for t in tx.coupons.templates()} == {None, "WELCOME"}
        assert _analyzed(url, "listing") and _analyzed(url, "product_attribute_value")
    finally:
        shop.dispose()


def _analyzed(url: str, table: str) -> bool:
    """Whether the planner has statistics for ``table``."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = :table"
            else:
                query = "SELECT count(*) FROM pg_stats WHERE tablename = :table"
            return bool(connection.execute(text(query), {"table": table}).scalar())
    finally:
        engine.dispose()


def test_interrupted_load_leaves_nothing(shop):
    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "products" and done >= 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), shop.transaction(
            actor=shop.system_actor("demo")) as tx:
        tx.demo.load(4000, progress=interrupt)
    with shop.transaction(writes=False) as tx:
        assert tx.demo.is_empty()
        assert tx.catalog.navigation() == ()


def test_loads_only_into_an_empty_shop_and_only_for_operators(shop, system):
    with shop.transaction() as tx, pytest.raises(Forbidden):
        tx.demo.load(10)
    system.demo.load(10)
    with pytest.raises(Conflict):
        system.demo.load(10)
