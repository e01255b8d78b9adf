"""Registration, login and logout through the real pages: cookies, sessions, no enumeration."""

from __future__ import annotations

import re

import pytest
import webtest
from pyramid.httpexceptions import HTTPForbidden
from pyramid.testing import DummyRequest

from shop.application import ANONYMOUS, Actor, Permission
from shop.presentation import errors, make_app
from shop.presentation.security import MissingPermission
from tests.accounts_support import (
    STRONG_PASSWORD,
    latest_code,
    messages_to,
    session_cookie_value,
    set_cookies,
    web_log_in,
    web_register,
)
from tests.presentation.conftest import VISITOR, another_browser


def _body(response, *variable):
    """The page's text with the CSRF token and the given values blanked out."""
    text = re.sub(r'name="csrf_token" value="[^"]*"', "", response.text)
    for value in variable:
        text = text.replace(value, "…")
    return text


def test_quick_registration_signs_in_with_a_session_cookie(web, shop, clock):
    response = web_register(web, shop, name="Li Lei")
    assert response.location.endswith("/account?done=welcome")
    [cookie] = set_cookies(response, "shop_session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Max-Age" not in cookie and "expires" not in cookie.lower()
    page = response.follow()
    assert page.html.select_one("#profile-mobile").text == "+8613800138000"
    assert page.html.select_one("#account-link").text == "Li Lei"
    assert page.html.select_one("#logout-form input[name=csrf_token]")["value"]
    assert page.html.select_one("#login-link") is None


def test_full_registration_by_email_with_a_referral(web, shop, clock):
    referrer = web_register(web, shop, "13700137000").follow()
    code = referrer.html.select_one("#referral-code").text
    web.post("/account/logout", {"csrf_token": web.cookies["csrf_token"]}, status=303)
    clock.advance(seconds=61)
    page = web.get(f"/account/register?channel=email&ref={code}")
    form = page.forms["register-form"]
    assert form["ref"].value == code
    form["email"] = "Han@Example.com"
    confirm = form.submit()
    assert "If this address can be registered" in confirm.text
    form = confirm.forms["register-confirm-form"]
    assert (form["email"].value, form["ref"].value) == ("han@example.com", code)
    form["code"] = latest_code(shop, "han@example.com")
    form["password"] = STRONG_PASSWORD
    form["name"], form["gender"], form["birthday"] = "Han Meimei", "female", "1992-03-04"
    page = form.submit(status=303).follow()
    assert page.html.select_one("#profile-email").text == "han@example.com"
    assert page.html.select_one("#complete-profile") is None
    with shop.transaction() as tx:
        from shop.data.models import Customer
        han = tx._session.query(Customer).filter_by(email="han@example.com").one()
        assert han.referred_by_id is not None and han.profile_completed


@pytest.mark.parametrize("mobile", ["", "12345", "+1 415 555 0123"])
def test_a_bad_number_is_named_on_the_form(web, mobile):
    form = web.get("/account/register").forms["register-form"]
    form["mobile"] = mobile
    page = form.submit(status=400)
    assert page.html.select_one(".field-error[data-field=mobile]").text.strip()
    assert page.html.select_one("#mobile.is-invalid") is not None


def test_wrong_code_and_weak_password_are_named(web, shop, clock):
    form = web.get("/account/register").forms["register-form"]
    form["mobile"] = "13800138000"
    form = form.submit().forms["register-confirm-form"]
    code = latest_code(shop, "+8613800138000")
    form["code"] = f"{(int(code) + 1) % 1_000_000:06d}"
    form["password"] = STRONG_PASSWORD
    page = form.submit(status=400)
    assert page.html.select_one(".field-error[data-field=code]")
    form = page.forms["register-confirm-form"]
    form["code"], form["password"] = code, "password1234"
    page = form.submit(status=400)
    assert page.html.select_one(".field-error[data-field=password]")
    assert page.forms["register-confirm-form"]["password"].value == ""  # never echoed


def test_asking_again_too_soon_is_429(web, clock):
    for expected in (200, 429):
        form = web.get("/account/register").forms["register-form"]
        form["mobile"] = "13800138000"
        page = form.submit(status=expected)
    assert page.headers["Retry-After"] == "60"
    assert "seconds" in page.html.select_one("#throttled").text


def test_registration_answers_alike_for_a_taken_number(web, shop, clock):
    web_register(web, shop, "13800138000")
    stranger = another_browser(web)
    clock.advance(seconds=61)
    pages = []
    for number in ("13800138000", "13900139000"):
        form = stranger.get("/account/register").forms["register-form"]
        form["mobile"] = number
        pages.append(form.submit())
    taken, free = pages
    assert taken.status_int == free.status_int == 200
    assert _body(taken, "+8613800138000") == _body(free, "+8613900139000")


def test_login_answers_alike_for_a_wrong_password_and_an_unknown_account(web, shop, clock):
    web_register(web, shop, "13800138000")
    stranger = another_browser(web)
    wrong = web_log_in(stranger, "13800138000", "not the right one", status=400)
    unknown = web_log_in(stranger, "13900139000", "not the right one", status=400)
    assert _body(wrong, "13800138000") == _body(unknown, "13900139000")
    assert wrong.html.select_one(".field-error[data-field=password]")


def test_login_rotates_the_session_and_remember_me_persists(web, shop, clock):
    first = session_cookie_value(web_register(web, shop, "13800138000"))
    web.set_cookie("shop_session", first)
    response = web_log_in(web, "13800138000", remember=True, status=303)
    [cookie] = set_cookies(response, "shop_session")
    assert "Max-Age=2592000" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    second = session_cookie_value(response)
    assert second != first
    old = another_browser(web)
    old.set_cookie("shop_session", first)
    assert old.get("/account", status=303).location.startswith("http://localhost/account/login")
    fixed = another_browser(web)
    fixed.set_cookie("shop_session", "chosen-by-an-attacker")
    response = web_log_in(fixed, "13800138000", status=303)
    assert session_cookie_value(response) not in ("chosen-by-an-attacker", first, second)


def test_logout_ends_the_session_and_clears_the_cookie(web, shop, clock):
    token = session_cookie_value(web_register(web, shop))
    page = web.get("/account")
    response = page.forms["logout-form"].submit(status=303)
    [cleared] = set_cookies(response, "shop_session")
    assert "Max-Age=0" in cleared
    replay = another_browser(web)
    replay.set_cookie("shop_session", token)
    replay.get("/account", status=303)
    assert web.get("/").html.select_one("#login-link") is not None


def test_logout_needs_the_csrf_token(web, shop, clock):
    web_register(web, shop)
    web.post("/account/logout", {}, status=400)
    web.get("/account", status=200)


def test_lockout_after_five_failures_expires(web, shop, clock):
    web_register(web, shop, "13800138000")
    stranger = another_browser(web)
    for _ in range(5):
        web_log_in(stranger, "13800138000", "wrong password here", status=400)
    locked = web_log_in(stranger, "13800138000", status=429)
    assert "minutes" in locked.html.select_one("#throttled").text
    assert int(locked.headers["Retry-After"]) > 14 * 60
    clock.advance(minutes=15, seconds=1)
    web_log_in(stranger, "13800138000", status=303)


def test_an_anonymous_visitor_is_sent_to_log_in_and_back(web, shop, clock):
    web_register(web, shop, "13800138000")
    stranger = another_browser(web)
    response = stranger.get("/account/profile", status=303)
    assert response.location == "http://localhost/account/login?came_from=%2Faccount%2Fprofile"
    page = response.follow()
    assert page.forms["login-form"]["came_from"].value == "/account/profile"
    back = page.forms["login-form"]
    back["identifier"], back["password"] = "13800138000", STRONG_PASSWORD
    assert back.submit(status=303).location == "http://localhost/account/profile"


@pytest.mark.parametrize("came_from", ["//evil.example/x", "https://evil.example/",
                                       "/\\evil.example", "javascript:alert(1)"])
def test_came_from_only_stays_on_this_site(web, shop, clock, came_from):
    web_register(web, shop, "13800138000")
    stranger = another_browser(web)
    response = stranger.post("/account/login", {
        "identifier": "13800138000", "password": STRONG_PASSWORD, "came_from": came_from,
        "csrf_token": stranger.get("/account/login").forms["login-form"]["csrf_token"].value},
        status=303)
    assert response.location == "http://localhost/account"


def test_the_forbidden_view_redirects_only_anonymous_shoppers(wsgi_app):
    def run(actor, permission):
        request = DummyRequest(path="/x")
        request.registry = wsgi_app.registry
        request.actor = actor
        denied = HTTPForbidden(result=MissingPermission(actor.name, permission))
        return errors.forbidden(denied, request), request
    result, _ = run(ANONYMOUS, Permission.ACCOUNT_SELF)
    assert result.status_int == 303 and "/account/login?came_from=" in result.location
    shopper = Actor(kind="shopper", name="customer:1", id=1,
                    permissions=frozenset({Permission.ACCOUNT_SELF.value}))
    result, _ = run(shopper, Permission.ADMIN_ACCESS)
    assert result.status_int == 403
    result, _ = run(ANONYMOUS, Permission.ADMIN_ACCESS)
    assert result.status_int == 403


def test_a_name_is_escaped_everywhere(web, shop, clock):
    page = web_register(web, shop, name="<script>alert(1)</script>").follow()
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.html.select_one("#account-link").text == "<script>alert(1)</script>"


def test_secure_cookies_use_the_host_prefix(shop, settings, clock):
    app = webtest.TestApp(make_app({**settings, "shop.secure_cookies": "true"}, shop=shop),
                          extra_environ={**VISITOR, "wsgi.url_scheme": "https"})
    form = app.get("/account/register").forms["register-form"]
    form["mobile"] = "13800138000"
    form = form.submit(headers={"Referer": "https://localhost/account/register"}).forms[
        "register-confirm-form"]
    form["code"] = latest_code(shop, "+8613800138000")
    form["password"] = STRONG_PASSWORD
    response = form.submit(status=303, headers={"Referer": "https://localhost/account/register"})
    assert not set_cookies(response, "shop_session")
    [cookie] = set_cookies(response, "__Host-shop_session")
    assert "secure" in cookie.lower() and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert app.get("/account").html.select_one("#profile-mobile").text == "+8613800138000"


def test_codes_go_to_the_outbox_not_the_page(web, shop, clock):
    form = web.get("/account/register").forms["register-form"]
    form["mobile"] = "13800138000"
    page = form.submit()
    code = latest_code(shop, "+8613800138000")
    assert code not in page.text
    assert len(messages_to(shop, "+8613800138000")) == 1
