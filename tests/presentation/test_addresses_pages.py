"""The address book pages: steps without JavaScript, field messages, CSRF, others' ids."""

from __future__ import annotations

import pytest

from tests.shoppers import log_in, new_customer

EN = {"Accept-Language": "en"}
NANSHAN = {"recipient": "李雷", "mobile": "13800138000", "province": "440000",
           "city": "440300", "district": "440305", "street": "科技园南区 1 栋 101",
           "postcode": "518057"}


@pytest.fixture
def alice(shop, app):
    customer_id = new_customer(shop)
    log_in(shop, app, customer_id)
    return customer_id


def add_directly(shop, customer_id, **changes):
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor=actor) as tx:
        return tx.addresses.add({**NANSHAN, **changes})


def csrf(app):
    return app.cookies["csrf_token"]


@pytest.mark.parametrize("url", ["/account/addresses", "/account/addresses/new",
                                 "/account/addresses/1/edit"])
def test_anonymous_visitors_never_see_the_pages(app, url):
    page = app.get(url, headers=EN, expect_errors=True)
    assert page.status_int in (302, 303, 403)
    if page.status_int != 403:
        assert "/login" in page.location


def test_adding_an_address_in_steps_without_javascript(app, alice):
    form = app.get("/account/addresses/new", headers=EN).forms["address-form"]
    assert [o[0] for o in form["city"].options] == [""]  # no province yet: no cities
    form["recipient"] = "李雷"
    form["mobile"] = "138 0013 8000"
    form["province"] = "440000"
    step = form.submit("choose_region", headers=EN)
    assert step.status_int == 200 and not step.html.select("#form-errors")
    form = step.forms["address-form"]
    assert form["recipient"].value == "李雷"  # what was typed survives the step
    assert "440300" in [o[0] for o in form["city"].options]
    form["city"] = "440300"
    form = form.submit("choose_region", headers=EN).forms["address-form"]
    assert "440305" in [o[0] for o in form["district"].options]
    form["district"] = "440305"
    form["street"] = "科技园南区 1 栋 101"
    saved = form.submit(headers=EN)
    assert saved.status_int == 303 and saved.location.endswith("/account/addresses")
    listing = saved.follow(headers=EN)
    card = listing.html.select_one(".address")
    assert card.select_one(".region").text == "广东省 深圳市 南山区"
    assert card.select_one(".mobile").text == "138 0013 8000"
    assert card.select_one(".default-badge") is not None


def test_bad_input_is_shown_next_to_each_named_field(app, alice):
    form = app.get("/account/addresses/new", headers=EN).forms["address-form"]
    form["recipient"] = ""
    form["mobile"] = "010-12345678"
    form["street"] = "x"
    form["postcode"] = "12"
    page = form.submit(headers=EN, status=400)
    errors = {e["data-field"]: e.text for e in page.html.select(".field-error")}
    assert set(errors) == {"recipient", "mobile", "province", "city", "street", "postcode"}
    assert errors["mobile"].startswith("Mobile: Enter a mainland China mobile number")
    assert errors["province"] == "Province: Choose a province"
    assert errors["postcode"] == "Postcode: A postcode has 6 digits"
    assert page.forms["address-form"]["mobile"].value == "010-12345678"
    assert app.get("/account/addresses", headers=EN).html.select_one("#no-addresses")


def test_colanders_messages_are_translated_in_their_own_domain(app, alice):
    form = app.get("/account/addresses/new", headers={"Accept-Language": "zh-CN"}).forms[
        "address-form"]
    page = form.submit(headers={"Accept-Language": "zh-CN"}, status=400)
    recipient = page.html.select_one(".field-error[data-field=recipient]").text
    assert recipient.endswith(": 必需")  # colander's "Required", from colander's catalog


def test_a_post_without_the_csrf_token_is_refused(app, alice):
    app.get("/account/addresses/new")
    app.post("/account/addresses/new", NANSHAN, status=400)
    assert app.get("/account/addresses", headers=EN).html.select_one("#no-addresses")


def test_editing_keeps_the_region_choice(app, shop, alice):
    address = add_directly(shop, alice)
    form = app.get(f"/account/addresses/{address.id}/edit", headers=EN).forms["address-form"]
    assert (form["province"].value, form["city"].value, form["district"].value) == (
        "440000", "440300", "440305")
    form["street"] = "高新南一道 9 号"
    form.submit(headers=EN, status=303)
    card = app.get("/account/addresses", headers=EN).html.select_one(".address")
    assert card.select_one(".street").text == "高新南一道 9 号"


def test_delete_and_make_default_are_posts(app, shop, alice):
    first = add_directly(shop, alice)
    second = add_directly(shop, alice, street="第二个地址 2 号")
    page = app.get("/account/addresses", headers=EN)
    app.get(f"/account/addresses/{second.id}/default", status=404)  # GET changes nothing
    app.post(f"/account/addresses/{second.id}/default", {"csrf_token": csrf(app)}, status=303)
    page = app.get("/account/addresses", headers=EN)
    assert page.html.select_one(".address")["data-address-id"] == str(second.id)
    assert page.html.select_one(".address .default-badge") is not None
    app.post(f"/account/addresses/{second.id}/delete", {"csrf_token": csrf(app)}, status=303)
    page = app.get("/account/addresses", headers=EN)
    cards = page.html.select(".address")
    assert [c["data-address-id"] for c in cards] == [str(first.id)]
    assert cards[0].select_one(".default-badge") is not None  # promoted


def test_another_shoppers_address_is_a_404_everywhere(app, shop, alice):
    bob = new_customer(shop)
    theirs = add_directly(shop, bob)
    app.get("/account/addresses", headers=EN)
    token = csrf(app)
    app.get(f"/account/addresses/{theirs.id}/edit", status=404)
    app.post(f"/account/addresses/{theirs.id}/edit", {**NANSHAN, "csrf_token": token},
             status=404)
    app.post(f"/account/addresses/{theirs.id}/edit",
             {**NANSHAN, "csrf_token": token, "choose_region": "1"}, status=404)
    app.post(f"/account/addresses/{theirs.id}/default", {"csrf_token": token}, status=404)
    app.post(f"/account/addresses/{theirs.id}/delete", {"csrf_token": token}, status=404)
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(bob)
    with shop.transaction(actor=actor) as tx:
        assert [(a.id, a.street) for a in tx.addresses.list()] == [(theirs.id, NANSHAN["street"])]


def test_extra_posted_fields_change_nothing(app, shop, alice):
    bob = new_customer(shop)
    app.get("/account/addresses/new")
    app.post("/account/addresses/new", {**NANSHAN, "csrf_token": csrf(app),
                                        "customer_id": str(bob), "user_id": str(bob),
                                        "is_staff": "true"}, status=303)
    assert len(app.get("/account/addresses").html.select(".address")) == 1
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(bob)
    with shop.transaction(actor=actor) as tx:
        assert tx.addresses.list() == []


def test_region_children_are_public_json(app):
    cities = app.get("/regions/440000").json
    assert {"code": "440300", "name": "深圳市"} in cities
    assert app.get("/regions/441900").json == []
    app.get("/regions/999999", status=404)
    app.get("/regions/abc", status=404)


def test_the_form_page_loads_its_script_without_inline_code(app, alice):
    page = app.get("/account/addresses/new")
    scripts = page.html.select("script")
    assert all(s.get("src") for s in scripts)
    assert any(s["src"].endswith("/addresses.js") for s in scripts)
    app.get(next(s["src"] for s in scripts if s["src"].endswith("/addresses.js")))


def test_the_list_page_makes_a_bounded_number_of_queries(app, shop, alice, queries):
    def count():
        queries.reset()
        app.get("/account/addresses")
        return queries.count

    add_directly(shop, alice)
    count()  # the first page of a process reads the reference data (the header's navigation)
    few = count()
    for i in range(6):
        add_directly(shop, alice, street=f"第 {i} 号", city="441900", district="")
    assert count() == few
