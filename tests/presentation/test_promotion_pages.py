"""Where shoppers see promotions and coupons: a listing card's tag, a product's flash sale and
campaigns, the cart grouped by campaign, the checkout's coupon, the coupon center, my coupons
and a campaign's landing page; hostile input refused with a 4xx, and the pages' query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from shop.data.models import Category, Coupon, FlashSaleItem, Order, Sku
from tests import factories
from tests.application.test_checkout_promotions import start
from tests.coupons_support import MARKETER, grant, new_template
from tests.presentation.conftest import another_browser
from tests.presentation.ordering_pages import Item, add, item, ready
from tests.shoppers import log_in


@pytest.fixture
def shopper(shop, system, web):
    """A signed-in shopper with an address, and a shirt (¥99) to buy."""
    return ready(shop, system, web)


def test_a_category_card_carries_its_campaigns_tag(shop, clock, system, web, shopper):
    _who, shirt = shopper
    factories.category(system, "jeans")
    factories.product(system, "jeans")
    start(shop, clock, "shirts-off", "percent_off", {"percent": "20"},
          scope={"categories": "shirts"})
    page = web.get("/c/shirts")
    [tag] = page.html.select(".product-card .promotion-tag")
    assert (tag["data-campaign"], tag.text) == ("shirts-off", "20% off")
    assert tag.find_parent(class_="product-card").select_one("a")["href"] == f"/p/{shirt.slug}"
    assert web.get("/c/jeans").html.select(".promotion-tag") == []


def test_a_product_page_shows_its_flash_sale_price_and_what_is_taken(shop, clock, system,
                                                                      web, shopper):
    _who, shirt = shopper
    start(shop, clock, "flash", "flash_sale", {"items": f"{shirt.sku}:59.00:4"})
    start(shop, clock, "tiers", "spend_save", {"tiers": "200:20"})
    system._session.execute(update(FlashSaleItem).values(sold=1))  # one of four sold
    page = web.get(f"/p/{shirt.slug}")
    flash = page.html.select_one("#flash-sale")
    assert flash["data-campaign"] == "flash"
    assert flash.select_one("#flash-price").text == "¥59.00"
    assert flash.select_one("#flash-progress")["value"] == "25"
    assert flash.select_one("#flash-taken").text == "25% claimed"
    with shop.transaction() as tx:
        ends = tx.promotions.landing("flash").ends_at.astimezone(tx.settings.current().zone)
    countdown = flash.select_one("time[data-countdown]")
    assert countdown.text == ends.strftime("%Y-%m-%d %H:%M")
    links = {a["data-campaign"]: a["href"] for a in page.html.select("#product-campaigns a")}
    assert links == {"flash": "/campaigns/flash", "tiers": "/campaigns/tiers"}


def test_a_product_page_links_to_the_coupons_that_cover_it(shop, system, web, shopper):
    _who, shirt = shopper
    assert web.get(f"/p/{shirt.slug}").html.select_one("#product-coupons") is None
    new_template(shop, claimable=True)
    factories.category(system, "jeans")
    new_template(shop, name_en="Jeans only", claimable=True, scope={
        "everything": False, "category_ids": [_category_id(system, "jeans")]})
    page = web.get(f"/p/{shirt.slug}")
    assert page.html.select_one("#claim-coupons-link")["href"] == "/coupons"
    assert [b.text for b in page.html.select(".product-coupon")] == ["20 off 100"]


def test_the_cart_groups_lines_under_their_campaign_and_says_what_is_near(shop, clock, system,
                                                                        web, shopper):
    _who, shirt = shopper
    factories.category(system, "jeans")
    jeans = item_in(system, "jeans")
    start(shop, clock, "shirt-days", "spend_save", {"tiers": "200:20, 500:60"},
          scope={"categories": "shirts"})
    add(web, shirt, "3")  # ¥297: ¥20 off, ¥203 short of saving ¥60
    add(web, jeans)
    cart = web.get("/cart")
    groups = cart.html.select(".cart-group")
    assert [g.get("data-campaign-name") for g in groups] == ["shirt-days", None]
    assert groups[0].select_one(".cart-group-name").text.endswith("shirt-days")
    assert [line["data-sku"] for line in groups[0].select(".cart-line")] == [shirt.sku]
    assert [line["data-sku"] for line in groups[1].select(".cart-line")] == [jeans.sku]
    assert groups[0].select_one(".line-discount").text == "−¥20.00"
    assert [(a.select_one(".applied-name").text, a.select_one(".applied-amount").text)
            for a in cart.html.select(".applied-promotion")] == [("shirt-days", "−¥20.00")]
    [hint] = cart.html.select(".promotion-hint")
    assert "203" in hint.text and "60" in hint.text
    assert cart.html.select_one("#selected-total").text == "¥396.00"
    assert cart.html.select_one("#selected-payable").text == "¥376.00"


def test_checkout_offers_the_coupons_and_places_the_one_shown(shop, web, shopper):
    who, shirt = shopper
    twenty = new_template(shop)  # ¥20 off ¥100
    thirty = new_template(shop, name_en="30 off 300", amount="30.00", min_spend="300.00")
    grant(shop, twenty.id, who.actor)
    grant(shop, thirty.id, who.actor)
    add(web, shirt, "2")  # ¥198
    page = web.get("/checkout")
    options = {o.text.strip(): (o.get("value"), o.has_attr("selected"), o.has_attr("disabled"))
               for o in page.html.select("#coupon option")}
    [twenty_id] = [v for label, (v, _s, _d) in options.items() if label.startswith("20 off")]
    assert options == {"No coupon": ("", False, False),
                       "20 off 100 · saves ¥20.00": (twenty_id, True, False),
                       "30 off 300 · not applicable to this order": (options[
                           "30 off 300 · not applicable to this order"][0], False, True)}
    assert page.html.select_one("#discount-total").text == "−¥20.00"
    assert [d.text for d in page.html.select(".applied-coupon")] == ["20 off 100"]
    form = page.forms["checkout-form"]
    form["coupon"] = ""
    none = form.submit("update", status=200)
    assert none.html.select_one("#discount-total").text == "−¥0.00"
    assert none.forms["checkout-form"]["coupon"].value == ""
    shown = web.get("/checkout")
    placed = shown.forms["checkout-form"].submit(status=303)
    assert _order_discount(shop) == Decimal("20.00")
    assert placed.location.endswith("/pay?done=placed")
    with shop.transaction() as tx:
        assert tx._session.scalar(select(Coupon.state).where(
            Coupon.template_id == twenty.id)) == "used"


def test_a_typed_public_code_is_applied_and_the_order_uses_it(shop, web, shopper):
    _who, shirt = shopper
    new_template(shop, name_en="Welcome", public_code="WELCOME10", amount="10.00",
                 min_spend="0.00")
    add(web, shirt)
    form = web.get("/checkout").forms["checkout-form"]
    form["coupon_code"] = "nope-nope"
    refused = form.submit("update", status=200)
    assert refused.html.select_one("#coupon_code-error") is not None
    assert refused.html.select_one("#payable").text == "¥107.00"  # ¥99 and ¥8 shipping
    form = refused.forms["checkout-form"]
    assert form["coupon_code"].value == "nope-nope"
    form["coupon_code"] = "welcome10"
    applied = form.submit("update", status=200)
    assert applied.html.select_one("#coupon_code-error") is None
    assert applied.html.select_one("#discount-total").text == "−¥10.00"
    assert applied.html.select_one("#payable").text == "¥97.00"
    assert applied.forms["checkout-form"]["coupon_code"].value == "welcome10"
    applied.forms["checkout-form"].submit(status=303)
    assert _order_discount(shop) == Decimal("10.00")
    # Used once: typed again on the next order, it is named at its field.
    add(web, shirt)
    again = web.get("/checkout", params={"coupon_code": "WELCOME10"})
    assert again.html.select_one("#coupon_code-error") is not None


def test_the_coupon_center_claims_within_the_limit(shop, web, shopper):
    template = new_template(shop, claimable=True, total_quantity=5, per_customer_limit=1)
    guest = another_browser(web)
    look = guest.get("/coupons")
    [entry] = look.html.select(".center-coupon")
    assert entry.select_one(".coupon-label").text == "¥20 off"
    assert "¥100.00" in entry.select_one(".coupon-min-spend").text
    assert entry.select_one(".coupon-left").text == "5 left"
    assert "30 days" in entry.select_one(".coupon-validity").text
    refused = claim_form(look).submit(status=303)  # a visitor logs in first
    assert "/login" in refused.location and "came_from=%2Fcoupons" in refused.location
    page = web.get("/coupons")
    form = claim_form(page)
    assert form["template_id"].value == str(template.id)
    claimed = form.submit(status=303).follow()
    assert claimed.html.select_one("#coupon-notice") is not None
    assert claimed.html.select_one(".coupon-left").text == "4 left"
    assert claimed.html.select_one(".claim-form") is None  # claimed as many as one may
    again = form.submit(status=409)  # the old page's form, sent again
    assert again.html.select_one("#coupon-refusal").text == (
        "You have claimed as many of this coupon as one shopper may")
    mine = web.get("/account/coupons")
    assert len(mine.html.select(".my-coupon")) == 1


def test_my_coupons_tabs_add_a_code_and_page_on(shop, clock, web, shopper):
    who, _shirt = shopper
    with shop.transaction(MARKETER) as tx:
        batch = new_template(shop, name_en="Printed")
        [code] = tx.coupons.issue_codes(batch.id, 1, None).codes
    expiring = new_template(shop, name_en="Short", valid_days=1)
    grant(shop, expiring.id, who.actor)
    page = web.get("/account/coupons")
    assert page.html.select_one('#account-nav a[aria-current="page"]')["href"] == \
        "/account/coupons"
    assert [t.text for t in page.html.select("#coupon-tabs a")] == ["Unused", "Used",
                                                                  "Expired"]
    form = page.forms["add-code-form"]
    form["code"] = "WRONG-CODE-1"
    wrong = form.submit(status=400)
    assert wrong.html.select_one("#code-error").text == "That code is not a coupon you can add"
    assert wrong.forms["add-code-form"]["code"].value == "WRONG-CODE-1"
    form = wrong.forms["add-code-form"]
    form["code"] = code
    added = form.submit(status=303).follow()
    assert added.html.select_one("#coupon-notice") is not None
    names = [c.select_one(".coupon-name").text for c in added.html.select(".my-coupon")]
    assert sorted(names) == ["Printed", "Short"]
    clock.advance(timedelta(days=2))
    log_in(shop, web, who.actor.id)  # the login session ended meanwhile
    usable = web.get("/account/coupons")
    assert [c.select_one(".coupon-name").text for c in usable.html.select(".my-coupon")] == [
        "Printed"]
    tabs = {a["data-tab"]: a["href"] for a in usable.html.select("#coupon-tabs a")}
    expired = web.get(tabs["expired"])
    assert [c["data-state"] for c in expired.html.select(".my-coupon")] == ["expired"]
    assert web.get("/account/coupons?tab=used").html.select_one("#no-coupons") is not None
    many = new_template(shop, name_en="Many")
    for _ in range(20):
        grant(shop, many.id, who.actor)
    first = web.get("/account/coupons")
    assert len(first.html.select(".my-coupon")) == 20
    rest = first.click(linkid="more-coupons")
    assert len(rest.html.select(".my-coupon")) == 1
    assert rest.html.select_one("#more-coupons") is None


def test_a_campaigns_landing_page(shop, clock, system, web, shopper):
    _who, shirt = shopper
    start(shop, clock, "shirt-week", "amount_off", {"amount": "10.00"},
          scope={"categories": "shirts"}, description_en="Ten off every shirt")
    page = web.get("/campaigns/shirt-week")
    assert page.html.select_one("#campaign-name").text == "shirt-week"
    assert page.html.select_one("#campaign-description").text == "Ten off every shirt"
    assert page.html.select_one("#campaign-tag").text == "¥10.00 off each"
    assert [a["href"] for a in page.html.select(".product-card a.product-name")] == [
        f"/p/{shirt.slug}"]
    web.get("/campaigns/no-such-thing", status=404)
    home = web.get("/")
    assert [a["href"] for a in home.html.select("#campaign-strip a")] == [
        "/campaigns/shirt-week"]


def test_a_campaigns_page_offers_the_coupons_for_its_products(shop, clock, system, web,
                                                             shopper):
    start(shop, clock, "shirt-week", "amount_off", {"amount": "10.00"},
          scope={"categories": "shirts"})
    factories.category(system, "jeans")
    new_template(shop, name_en="Shirts 20 off", claimable=True, scope={
        "everything": False, "category_ids": [_category_id(system, "shirts")]})
    new_template(shop, name_en="Jeans only", claimable=True, scope={
        "everything": False, "category_ids": [_category_id(system, "jeans")]})
    page = web.get("/campaigns/shirt-week")
    [offered] = page.html.select(".campaign-coupon")
    assert "Shirts 20 off" in offered.text
    claimed = next(form for form in page.forms.values() if "campaign" in form.fields)
    back = claimed.submit(status=303)
    assert back.location.endswith("/campaigns/shirt-week?done=claimed")
    again = back.follow()
    assert again.html.select_one("#coupon-notice") is not None
    assert again.html.select(".campaign-coupon") == []  # one per shopper: claimed now
    with shop.transaction(_who_of(shopper)) as tx:
        assert [c.terms.name_en for c in tx.coupons.mine().items] == ["Shirts 20 off"]


def test_a_campaign_about_to_start_counts_down_to_it(shop, clock, web):
    now = clock.now()
    with shop.transaction(MARKETER) as tx:
        tx.promotions.create({
            "code": "soon", "name_zh": "将至", "name_en": "Soon", "kind": "percent_off",
            "rule": {"percent": "10"}, "starts_at": (now + timedelta(hours=2)).isoformat(),
            "ends_at": (now + timedelta(days=1)).isoformat()})
    page = web.get("/campaigns/soon")
    assert page.html.select_one("#campaign-soon") is not None
    assert page.html.select_one("#campaign-window time[data-countdown]") is not None
    assert web.get("/").html.select_one("#campaign-strip") is None  # not running yet


@pytest.mark.parametrize("url", ["/campaigns/%00", "/campaigns/%ff", "/campaigns/" + "x" * 300])
def test_hostile_campaign_codes_are_refused(web, url):
    assert 400 <= web.get(url, expect_errors=True).status_int < 500


def test_hostile_coupon_requests_are_refused(web, shopper):
    assert web.get("/account/coupons?tab=x&after=zzz", status=400)
    assert web.get("/account/coupons?after=zzz", status=400)
    token = web.get("/coupons").html.select_one('input[name="csrf_token"]')["value"]
    for template_id in ("abc", "-1", "9" * 30, ""):
        web.post("/coupons", {"csrf_token": token, "template_id": template_id}, status=404)
    web.post("/coupons", {"template_id": "1"}, status=400)  # no CSRF token


def test_the_cart_and_checkout_cost_no_more_queries_for_promotions(shop, clock, system, web,
                                                                   shopper, queries):
    """Whatever the campaigns, coupons and lines: the pages show what the services priced."""
    who, shirt = shopper
    add(web, shirt)

    def count(url):
        web.get(url)
        queries.reset()
        web.get(url)
        return queries.count

    plain = {url: count(url) for url in ("/cart", "/checkout")}
    start(shop, clock, "tiers", "spend_save", {"tiers": "200:20"})
    grant(shop, new_template(shop).id, who.actor)
    for _ in range(3):
        add(web, item(system))
    assert {url: count(url) for url in plain} == plain, queries.statements


def claim_form(page):
    return next(f for f in page.forms.values() if "template_id" in f.fields)


def item_in(system, category):
    card = factories.product(system, category)
    return Item(card.slug, system._session.scalar(select(Sku.code).where(
        Sku.product_id == card.id)))


def _who_of(shopper):
    return shopper[0].actor


def _category_id(system, slug):
    return system._session.scalar(select(Category.id).where(Category.slug == slug))


def _order_discount(shop):
    with shop.transaction() as tx:
        return tx._session.scalar(select(Order.discount_total).order_by(Order.id.desc()))


@pytest.mark.parametrize(("headers", "applies"), [
    ({"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"}, False),
    ({"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"},
     True),
    ({"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile"}, True),
    ({"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "X-Shop-Channel": "app"}, True),
    ({"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "X-Shop-Channel": "tv"}, False),
])
def test_a_phone_only_price_applies_in_a_phones_cart(shop, clock, web, shopper, headers,
                                                      applies):
    _who, shirt = shopper
    start(shop, clock, "phone-only", "amount_off", {"amount": "10.00"}, channels="mobile app")
    add(web, shirt)
    cart = web.get("/cart", headers=headers)
    found = [a.select_one(".applied-name").text for a in cart.html.select(".applied-promotion")]
    assert found == (["phone-only"] if applies else [])
