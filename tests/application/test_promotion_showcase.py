"""What catalog pages show of campaigns: a card's tag, a product page's campaigns and flash sale,
a campaign's landing page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.application import NotFound
from shop.application.promotions.tags import coupon_label
from tests import factories
from tests.application.test_checkout_promotions import start
from tests.coupons_support import MARKETER, new_template
from tests.ordering_support import prepare_shop, sku_codes


@pytest.fixture
def catalog(shop):
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        factories.category(tx, "jeans")
        shirt = factories.product(tx, "shirts", price="100.00")
        jeans = factories.product(tx, "jeans", price="200.00")
        flash_sku = sku_codes(tx, price="80.00")[0]
    return {"shirt": shirt, "jeans": jeans, "flash_sku": flash_sku}


def test_a_card_carries_the_tag_of_the_campaign_that_covers_it(shop, clock, catalog):
    start(shop, clock, "shirts-off", "percent_off", {"percent": "20"},
          scope={"categories": "shirts"})
    with shop.transaction(locale="zh_CN") as tx:
        home = tx.catalog.category_page("shirts", {})
        tags = tx.showcase.tags_for_cards(home.products)
        jeans = tx.catalog.category_page("jeans", {})
        assert tx.showcase.tags_for_cards(jeans.products) == {}
    tag = tags[catalog["shirt"].id]
    assert tag.code == "shirts-off"
    assert tag.label.mapping["tenths"] == "8"


def test_a_product_page_shows_its_flash_sale_with_what_is_left(shop, clock, catalog):
    start(shop, clock, "flash", "flash_sale", {"items": f"{catalog['flash_sku']}:40.00:50"})
    with shop.transaction() as tx:
        page = tx.catalog.product_page(_slug_of(tx, catalog["flash_sku"]))
        shown = tx.showcase.for_product(page)
    [flash] = shown.flash
    assert (flash.sku_code, str(flash.price), flash.left, flash.left_percent, flash.live) == (
        catalog["flash_sku"], "40.00", 50, 100, True)
    assert [t.code for t in shown.tags] == ["flash"]


def test_a_landing_page_lists_what_its_campaign_covers(shop, clock, catalog):
    start(shop, clock, "jeans-week", "amount_off", {"amount": "10.00"},
          scope={"categories": "jeans"}, description_zh="牛仔裤直降10元")
    with shop.transaction(locale="zh_CN") as tx:
        landing = tx.promotions.landing("jeans-week")
    assert landing.description == "牛仔裤直降10元" and landing.live
    assert [p.id for p in landing.products] == [catalog["jeans"].id]


def test_an_ended_or_paused_campaign_has_no_landing_page(shop, clock, catalog):
    promotion_id = start(shop, clock, "gone", "percent_off", {"percent": "10"})
    with shop.transaction(MARKETER) as tx:
        tx.promotions.set_state(promotion_id, "paused")
    with shop.transaction() as tx, pytest.raises(NotFound):
        tx.promotions.landing("gone")
    start(shop, clock, "three-days", "percent_off", {"percent": "10"})
    with shop.transaction() as tx:
        assert tx.promotions.landing("three-days").live
    clock.advance(timedelta(days=4))
    with shop.transaction() as tx, pytest.raises(NotFound):
        tx.promotions.landing("three-days")


def _slug_of(tx, sku_code):
    from sqlalchemy import select

    from shop.data.models import Product, Sku
    return tx._session.scalar(select(Product.slug).join(Sku, Sku.product_id == Product.id)
                              .where(Sku.code == sku_code))


def test_the_home_strip_lists_the_running_campaigns_without_a_query(shop, clock, catalog,
                                                                    queries):
    start(shop, clock, "low", "percent_off", {"percent": "10"})
    start(shop, clock, "high", "amount_off", {"amount": "5.00"}, stacking={"priority": "5"})
    with shop.transaction(MARKETER) as tx:
        now = clock.now()
        tx.promotions.create({"code": "later", "name_zh": "稍后", "name_en": "Later",
                              "kind": "percent_off", "rule": {"percent": "10"},
                              "starts_at": (now + timedelta(hours=1)).isoformat(),
                              "ends_at": (now + timedelta(days=1)).isoformat()})
    with shop.transaction(locale="en") as tx:
        tx.promotions.live_campaigns()  # the reference cache read once
        queries.reset()
        running = tx.promotions.live_campaigns()
    assert queries.count == 0
    assert [(c.code, c.label.mapping.get("amount")) for c in running] == [
        ("high", "5.00"), ("low", None)]


def test_a_product_page_offers_the_coupons_that_cover_it(shop, catalog):
    everything = new_template(shop, claimable=True)
    new_template(shop, claimable=True, scope={"everything": False,
                                              "product_ids": [catalog["jeans"].id]})
    new_template(shop, claimable=False)
    with shop.transaction() as tx:
        page = tx.catalog.product_page(catalog["shirt"].slug)
        offered = tx.showcase.coupons_for(page, tx.coupons.center())
    assert [entry.template.id for entry in offered] == [everything.id]


@pytest.mark.parametrize(("terms", "text"), [
    (("amount", Decimal("20.00"), None, None), "¥20 off"),
    (("percent", None, Decimal("15.0"), Decimal("50.00")), "15% off, at most ¥50"),
    (("percent", None, Decimal("15"), None), "15% off"),
    (("free_shipping", None, None, None), "Free shipping"),
])
def test_a_coupon_label_says_what_it_gives(terms, text):
    label = coupon_label(*terms)
    assert label.interpolate() == text
    if terms[0] == "percent":
        assert label.mapping["tenths"] == "8.5"  # 85折
