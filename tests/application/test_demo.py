"""The demo loader: deterministic, believable, and all-or-nothing."""

from __future__ import annotations

import pytest

from shop.application import Conflict, Forbidden, Shop


def _names(shop: Shop) -> list[str]:
    with shop.transaction(writes=False, locale="en") as tx:
        page = tx.catalog.category_page("clothing", {"sort": ["newest"], "per_page": ["24"]})
        return [p.name for p in page.products]


def _loaded(tmp_path, name: str, products: int) -> Shop:
    shop = Shop.from_settings({"sqlalchemy.url": f"sqlite:///{tmp_path / name}"})
    shop.upgrade_database()
    with shop.transaction(actor=shop.system_actor("demo")) as tx:
        tx.demo.load(products)
    return shop


def test_same_seed_same_shop(tmp_path):
    first, second = _loaded(tmp_path, "a.sqlite", 300), _loaded(tmp_path, "b.sqlite", 300)
    try:
        assert _names(first) == _names(second) != []
        with first.transaction(writes=False, locale="zh_CN") as tx:
            home = tx.catalog.home_page()
        assert [n.category.name for n in home.categories] == ["服装", "数码", "家居", "图书"]
        assert len(home.best_sellers) == 8
    finally:
        first.dispose()
        second.dispose()


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
