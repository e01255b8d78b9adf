"""The invoice titles page and the checkout's invoice fields: field messages, CSRF, others' ids."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from pyramid.scripting import prepare
from pyramid_jinja2 import IJinja2Environment

from shop.application.invoicing.service import MAX_TITLES
from tests.shoppers import log_in, new_customer

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
CODE = "91350100M000100Y43"
COMPANY = {"title_kind": "company", "title": "福州某某科技有限公司", "tax_code": CODE}
VAT = {**COMPANY, "bank_name": "招商银行福州分行", "bank_account": "6225880123456789",
       "company_address": "福州市鼓楼区五四路 1 号", "company_phone": "0591-87654321"}


@pytest.fixture
def alice(shop, app):
    customer_id = new_customer(shop)
    log_in(shop, app, customer_id)
    return customer_id


def save_directly(shop, customer_id, data):
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor=actor) as tx:
        return tx.invoices.save_title(data)


def field_errors(page):
    return {e["data-field"]: e.text for e in page.html.select(".field-error")}


def csrf(app):
    return app.cookies["csrf_token"]


@pytest.mark.parametrize(("method", "url"), [("GET", "/account/invoice-titles"),
                                              ("POST", "/account/invoice-titles"),
                                              ("POST", "/account/invoice-titles/1/delete")])
def test_anonymous_visitors_never_see_the_pages(app, method, url):
    app.get("/")
    page = app.request(url, method=method, headers=EN, expect_errors=True,
                       POST={"csrf_token": csrf(app)} if method == "POST" else None)
    assert page.status_int in (302, 303, 403)
    if page.status_int != 403:
        assert "/login" in page.location


def test_the_page_is_linked_from_the_account_navigation(app, alice):
    page = app.get("/account/addresses", headers=EN)
    link = page.html.select_one("#account-nav a[href='/account/invoice-titles']")
    assert link.text == "Invoice titles"
    page = app.get("/account/invoice-titles", headers=EN)
    assert page.html.select_one("#account-nav a[aria-current=page]").text == "Invoice titles"
    assert page.html.select_one("#no-invoice-titles")


def test_adding_a_company_title_and_deleting_it(app, alice):
    form = app.get("/account/invoice-titles", headers=EN).forms["invoice-title-form"]
    assert form["title_kind"].value == "company"
    for name, value in VAT.items():
        if name != "title_kind":
            form[name] = value
    form["tax_code"] = "9135 0100 m000 100y43"
    form["bank_account"] = "6225 8801 2345 6789"
    saved = form.submit(headers=EN)
    assert saved.status_int == 303 and saved.location.endswith("/account/invoice-titles")
    card = saved.follow(headers=EN).html.select_one(".invoice-title")
    assert card.select_one(".title").text == VAT["title"]
    assert card.select_one(".tax-code").text == CODE
    assert "6225880123456789" in card.select_one(".bank").text
    app.get(f"/account/invoice-titles/{card['data-title-id']}/delete", status=404)  # GET: no
    app.post(f"/account/invoice-titles/{card['data-title-id']}/delete",
             {"csrf_token": csrf(app)}, status=303)
    assert app.get("/account/invoice-titles").html.select_one("#no-invoice-titles")


def test_a_bad_credit_code_is_shown_on_its_field(app, alice):
    form = app.get("/account/invoice-titles", headers=EN).forms["invoice-title-form"]
    form["title"] = "福州某某科技有限公司"
    form["tax_code"] = "91350100M000100Y44"
    form["bank_account"] = "12-34"
    page = form.submit(headers=EN, status=400)
    errors = field_errors(page)
    assert set(errors) == {"tax_code", "bank_account"}
    assert errors["tax_code"] == ("Taxpayer ID: This code does not add up: check it for a "
                                  "typing mistake")
    assert page.html.select_one("#invoice-tax_code")["aria-describedby"] == (
        "invoice-tax_code-error")
    assert page.forms["invoice-title-form"]["tax_code"].value == "91350100M000100Y44"
    assert app.get("/account/invoice-titles").html.select_one("#no-invoice-titles")


def test_the_messages_are_in_the_visitors_language(app, alice):
    form = app.get("/account/invoice-titles", headers=ZH).forms["invoice-title-form"]
    form["tax_code"] = "123"
    page = form.submit(headers=ZH, status=400)
    errors = field_errors(page)
    assert errors["tax_code"] == "纳税人识别号: 统一社会信用代码为 18 位"
    assert errors["title"] == "发票抬头: 请填写单位在营业执照上的全称"


def test_a_post_without_the_csrf_token_is_refused(app, alice):
    app.get("/account/invoice-titles")
    app.post("/account/invoice-titles", VAT, status=400)
    assert app.get("/account/invoice-titles").html.select_one("#no-invoice-titles")


def test_another_shoppers_title_is_a_404(app, shop, alice):
    bob = new_customer(shop)
    theirs = save_directly(shop, bob, VAT)
    app.get("/account/invoice-titles")
    app.post(f"/account/invoice-titles/{theirs.id}/delete", {"csrf_token": csrf(app)},
             status=404)
    app.post("/account/invoice-titles/99999999999/delete", {"csrf_token": csrf(app)},
             status=404)
    assert not app.get("/account/invoice-titles").html.select(".invoice-title")
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(bob)
    with shop.transaction(actor=actor) as tx:
        assert [t.id for t in tx.invoices.titles()] == [theirs.id]


def test_a_full_list_says_so_instead_of_the_form(app, shop, alice):
    for number in range(MAX_TITLES):
        save_directly(shop, alice, {"title_kind": "personal", "title": f"李雷 {number}"})
    page = app.get("/account/invoice-titles", headers=EN)
    assert len(page.html.select(".invoice-title")) == MAX_TITLES
    assert "invoice-title-form" not in page.forms
    assert page.html.select_one("#invoice-titles-full")
    refused = app.post("/account/invoice-titles", {**COMPANY, "csrf_token": csrf(app)},
                       headers=EN, status=400)
    assert "at most 20 invoice titles" in refused.html.select_one("#form-errors").text


def test_the_list_page_makes_a_bounded_number_of_queries(app, shop, alice, queries):
    def count():
        queries.reset()
        app.get("/account/invoice-titles")
        return queries.count

    save_directly(shop, alice, VAT)
    count()  # the first page of a process reads the reference data
    few = count()
    for number in range(6):
        save_directly(shop, alice, {"title_kind": "personal", "title": f"李雷 {number}"})
    assert count() == few


def test_the_page_loads_its_script_without_inline_code(app, alice):
    page = app.get("/account/invoice-titles")
    scripts = page.html.select("script")
    assert all(s.get("src") for s in scripts)
    app.get(next(s["src"] for s in scripts if s["src"].endswith("/invoicing.js")))


# -- the checkout's partial ----------------------------------------------------------------

CHECKOUT = ('{% from "invoicing/_invoice_fields.jinja2" import invoice_fields with context %}'
            '<form id="checkout">{{ invoice_fields(values, errors, titles) }}</form>')


def render_partial(wsgi_app, shop, customer_id, values, errors, language="en"):
    """The partial as a checkout page would render it (there is no checkout page yet)."""
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor=actor) as tx:
        titles = tx.invoices.titles()
    env = wsgi_app.registry.queryUtility(IJinja2Environment, name=".jinja2")
    context = prepare(registry=wsgi_app.registry)
    try:
        context["request"].environ["HTTP_ACCEPT_LANGUAGE"] = language
        html = env.from_string(CHECKOUT).render(request=context["request"], values=values,
                                                errors=errors, titles=titles)
    finally:
        context["closer"]()
    return BeautifulSoup(html, "html.parser"), titles


def test_the_partial_shows_every_field_without_javascript(wsgi_app, shop, alice):
    save_directly(shop, alice, VAT)
    html, titles = render_partial(wsgi_app, shop, alice, {}, {})
    names = {tag["name"] for tag in html.select("#checkout [name]")}
    assert names == {"kind", "title_kind", "title", "tax_code", "bank_name", "bank_account",
                     "company_address", "company_phone", "saved_title", "remember"}
    assert not html.select("[hidden]")  # the script hides, the page does not
    assert [r["value"] for r in html.select("input[name=kind]")] == ["none", "plain", "vat"]
    assert html.select_one("input[name=kind][checked]")["value"] == "none"
    assert not html.select("input[name=title_kind][checked]")
    options = html.select("select[name=saved_title] option")
    assert [o["value"] for o in options] == ["", str(titles[0].id)]
    assert CODE in options[1].text
    assert html.select_one("script")["src"].endswith("/invoicing.js")


def test_the_partial_shows_back_values_and_field_messages(wsgi_app, shop, alice):
    values = {"kind": "vat", "title_kind": "company", "tax_code": "91350100M000100Y44",
              "saved_title": "", "remember": "true"}
    html, _ = render_partial(wsgi_app, shop, alice, values, {
        "tax_code": "This code does not add up", "remember": "Too many"}, language="zh-CN")
    assert html.select_one("input[name=kind][checked]")["value"] == "vat"
    assert html.select_one("input[name=title_kind][checked]")["value"] == "company"
    assert html.select_one("#invoice-tax_code")["value"] == "91350100M000100Y44"
    assert html.select_one("#invoice-remember").has_attr("checked")
    errors = {e["data-field"]: e.text for e in html.select(".field-error")}
    assert errors == {"tax_code": "纳税人识别号: This code does not add up",
                      "remember": "记住此抬头: Too many"}
    assert "增值税专用发票" in html.text
