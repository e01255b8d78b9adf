"""Each hostile request the issue found answering 500 now gets a 4xx page in the visitor's
language; and the 500 page itself never fails and carries the security headers."""

from __future__ import annotations

import pytest

from shop.application.catalog.service import CatalogService
from shop.presentation import errors, templating
from shop.presentation.untrusted import MAX_BODY_BYTES, MAX_ECHO_LENGTH
from tests import factories
from tests.presentation import hostile

NINES = "9" * 20

BAD_REQUEST, NOT_FOUND = (400, "请求无法识别"), (404, "页面不存在")
WHO = "请填写员工用户名、system 或 shopper:编号"  # the audit form's message at "who"

#: (who, URL, status, what the page says) as reported: every one answered 500 before.
REPORTED = [
    ("anonymous", "/c/clothes?price=" + "9" * 30 + "-", 400, "价格："),
    ("anonymous", "/c/clothes?sort=%ff", *BAD_REQUEST),
    ("anonymous", "/c/clothes?brand=%ff%fe", *BAD_REQUEST),
    ("anonymous", "/search?q=%ff%fe", *BAD_REQUEST),
    ("anonymous", "/c/%ff", *BAD_REQUEST),
    ("anonymous", "/p/%ff", *BAD_REQUEST),
    ("anonymous", "/p/{product}?sku=%ff", *BAD_REQUEST),
    ("anonymous", "/%ff", *BAD_REQUEST),
    ("anonymous", "/static/%ff", *BAD_REQUEST),
    ("anonymous", "/regions/%ff", *BAD_REQUEST),
    ("anonymous", "/account/login?came_from=%ff", *BAD_REQUEST),
    ("anonymous", "/admin/login?came_from=%ff", *BAD_REQUEST),
    ("administrator", "/admin/audit?actor=shopper:%c2%b2", 400, WHO),
    ("administrator", f"/admin/audit?actor=shopper:{NINES}", 400, WHO),
    ("administrator", "/admin/audit?until=9999-12-31", 400, "请填写 9998-12-31 或之前的日期"),
    ("administrator", "/admin/audit?since=0001-01-01", 400, "请填写 1970-01-01 或之后的日期"),
    ("administrator", f"/admin/audit?before_id={NINES}", 400, "大于最高限值"),
    ("administrator", f"/admin/staff/{NINES}", *NOT_FOUND),
    ("administrator", f"/admin/staff/{NINES}/password", *NOT_FOUND),
    ("administrator", "/admin/staff/%d9%a3", *NOT_FOUND),  # "٣": int() reads it, the route does not
    ("shopper", f"/account/addresses/{NINES}/edit", *NOT_FOUND),
]


@pytest.fixture
def product(system):
    return factories.small_catalog(system, products=4)["products"][0].slug


@pytest.mark.parametrize(("who", "url", "status", "says"), REPORTED,
                         ids=[url for _, url, _, _ in REPORTED])
def test_reported_requests_get_a_page_in_the_visitors_language(wsgi_app, visitors, product, who,
                                                               url, status, says):
    response = hostile.send(wsgi_app, "GET", url.format(product=product),
                            session=visitors.session(who))
    assert response.status_int == status
    assert hostile.SHOP_HEADER in response.headers
    assert '<html lang="zh-CN">' in response.text and says in response.text


@pytest.mark.parametrize("came_from", ["/a%0d%0aSet-Cookie:%20x=1", "/%e4%b8%ad?q=%e8%a1%a3",
                                       "//evil.example/", "/\\evil.example", "/a%09b"])
def test_the_language_switch_only_ever_goes_back_into_the_shop(wsgi_app, came_from):
    response = hostile.send(wsgi_app, "POST", "/locale", [("locale", "en"),
                                                          ("came_from", came_from)])
    assert response.status_int == 303
    location = response.headers["Location"]
    assert location.isascii() and "\r" not in location and "\n" not in location
    assert location.startswith("http://localhost/") and "//" not in location[len("http://"):]


def test_a_chinese_path_is_kept_percent_encoded(wsgi_app):
    response = hostile.send(wsgi_app, "POST", "/locale", [
        ("locale", "en"), ("came_from", "/search%3Fq%3D%25e8%25a1%25a3")])
    assert response.headers["Location"] == "http://localhost/search?q=%e8%a1%a3"
    response = hostile.send(wsgi_app, "POST", "/locale", [("locale", "en"),
                                                          ("came_from", "/%e4%b8%ad")])
    assert response.headers["Location"] == "http://localhost/%E4%B8%AD"


@pytest.mark.parametrize("url", ["/search?q=a%00", "/p/a%00b", "/admin/audit?actor=a%00"])
def test_text_holding_a_nul_is_400_before_the_database_sees_it(wsgi_app, visitors, url):
    """PostgreSQL refuses a NUL in text with an error; no text from outside ever holds one."""
    response = hostile.send(wsgi_app, "GET", url, session=visitors.session("administrator"))
    assert response.status_int == 400 and "请求无法识别" in response.text


@pytest.mark.parametrize("body, content_type", [
    (b"csrf_token=x&identifier=a%00b", "application/x-www-form-urlencoded"),
    (b'--x\r\nContent-Disposition: form-data; name="identifier"\r\n\r\na\x00b\r\n--x--\r\n',
     "multipart/form-data; boundary=x"),
    (b"csrf_token=x&identifier=%ff%fe", "application/x-www-form-urlencoded"),
    (b"identifier=x", "application/x-www-form-urlencoded; charset=latin-1"),
    (b"--x\r\nbroken", "multipart/form-data"),
])
def test_a_form_body_that_cannot_be_read_is_400(wsgi_app, body, content_type):
    response = hostile.send(wsgi_app, "POST", "/account/login", body=body,
                            content_type=content_type)
    assert response.status_int == 400
    assert "请求无法识别" in response.text and hostile.SHOP_HEADER in response.headers


def test_a_body_over_the_limit_is_413_before_it_is_read(wsgi_app):
    response = hostile.send(wsgi_app, "POST", "/account/login",
                            body=b"identifier=" + b"x" * MAX_BODY_BYTES)
    assert response.status_int == 413
    assert hostile.SHOP_HEADER in response.headers


def test_a_refused_form_shows_back_no_more_than_any_field_takes(app, visitors):
    """A megabyte posted is not a megabyte sent back (and not shown to whoever opens it)."""
    login = app.get("/account/login").forms["login-form"]
    login["identifier"], login["password"] = "x" * 100_000, "whatever-it-is"
    shown = login.submit(status=400).forms["login-form"]["identifier"].value
    assert shown == "x" * MAX_ECHO_LENGTH
    admin = app.get("/admin/login").forms["login-form"]
    admin["username"], admin["password"] = "y" * 100_000, "whatever-it-is"
    assert len(admin.submit(status=400).forms["login-form"]["username"].value) == MAX_ECHO_LENGTH
    app.set_cookie("shop_session", visitors.session("shopper"))
    address = app.get("/account/addresses/new").forms["address-form"]
    address["street"] = "z" * 100_000
    assert len(address.submit(status=400).forms["address-form"]["street"].value) \
        == MAX_ECHO_LENGTH


# -- the 500 page ---------------------------------------------------------------------------


def broken(*args, **kwargs):
    raise RuntimeError("something broke")


def test_a_failing_view_gets_the_full_500_page_translated(app, monkeypatch):
    monkeypatch.setattr(CatalogService, "home_page", broken)
    page = app.get("/", status=500)
    assert "服务器出错了" in page.text and page.html.select_one("#logo") is not None
    assert hostile.SHOP_HEADER in page.headers


def test_when_the_full_500_page_fails_too_a_plain_one_answers(app, monkeypatch):
    monkeypatch.setattr(CatalogService, "home_page", broken)
    monkeypatch.setattr(templating, "shop_name", broken)  # the header reads the database
    page = app.get("/", status=500, headers={"Accept-Language": "en"})
    assert page.html.select_one("#error-page")["data-status"] == "500"
    assert "Something went wrong on our side" in page.text
    assert page.html.select_one("#logo") is None
    assert hostile.SHOP_HEADER in page.headers and "X-Frame-Options" in page.headers


def test_what_escapes_every_exception_view_still_gets_a_500_page(app, monkeypatch):
    monkeypatch.setattr(CatalogService, "home_page", broken)
    monkeypatch.setattr(errors, "error_page", broken)  # every exception view fails
    page = app.get("/", status=500)
    assert "服务器出错了" in page.text
    assert hostile.SHOP_HEADER in page.headers


def test_a_4xx_page_falls_back_the_same_way(app, monkeypatch):
    monkeypatch.setattr(templating, "shop_name", broken)
    page = app.get("/c/no-such-category", status=404)
    assert "页面不存在" in page.text and hostile.SHOP_HEADER in page.headers
