"""The application tier works as a library, with no web server: the README's example, run."""

from __future__ import annotations

import pytest

from shop.application import Forbidden, Invalid, Shop


def test_readme_example(tmp_path):
    # As in the README: an integrator's script, its own database and its own transactions.
    shop = Shop.from_settings({"sqlalchemy.url": f"sqlite:///{tmp_path / 'shop.sqlite'}"})
    shop.upgrade_database()
    try:
        with shop.transaction(actor=shop.system_actor("nightly-import")) as tx:
            tx.catalog.create_category({"slug": "tea", "name_zh": "茶叶", "name_en": "Tea"})
            tx.catalog.create_product({
                "slug": "longjing", "name_zh": "西湖龙井", "name_en": "Longjing tea",
                "category": "tea", "is_published": True,
                "skus": [{"code": "LJ-250", "price": "168.00", "stock_on_hand": 20}],
            })
        with shop.transaction(locale="en", writes=False) as tx:
            page = tx.catalog.category_page("tea", {})
            assert [p.name for p in page.products] == ["Longjing tea"]
            assert str(page.products[0].price) == "168.00"
    finally:
        shop.dispose()


def test_a_failed_block_leaves_nothing(shop):
    with pytest.raises(Invalid), shop.transaction(actor=shop.system_actor("t")) as tx:
        tx.catalog.create_category({"slug": "half-done", "name_zh": "半"})
        tx.catalog.create_category({"slug": "Not A Slug", "name_zh": "坏"})
    with shop.transaction(writes=False) as tx, pytest.raises(Exception, match="no category"):
        tx.catalog.category_page("half-done", {})


def test_anonymous_actor_cannot_write(shop):
    with pytest.raises(Forbidden), shop.transaction() as tx:
        tx.catalog.create_brand({"slug": "x", "name_zh": "x"})


def test_invalid_product_names_each_field(system):
    with pytest.raises(Invalid) as error:
        system.catalog.create_product({"slug": "Bad Slug", "name_zh": "", "category": "none",
                                       "skus": [{"code": "A", "price": "-1"}]})
    assert {"slug", "name_zh", "skus.0.price"} <= set(error.value.errors)


def test_description_is_sanitized(system):
    system.catalog.create_category({"slug": "safe", "name_zh": "安全"})
    system.catalog.create_product({
        "slug": "safe-1", "name_zh": "安全", "category": "safe", "is_published": True,
        "description_html": '<p onclick="x()">ok<script>alert(1)</script>'
                            '<a href="javascript:alert(1)">link</a></p>',
        "skus": [{"code": "SAFE-1", "price": "1.00"}],
    })
    html = system.catalog.product_page("safe-1").description_html
    assert "script" not in html and "onclick" not in html and "javascript:" not in html
    assert "<p>ok" in html
