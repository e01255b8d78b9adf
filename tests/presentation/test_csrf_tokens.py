"""The CSRF token changes whenever a login session begins, turns or ends; with secure cookies
its cookie is ``__Host-`` prefixed, so no other host (a subdomain) can plant one."""

from __future__ import annotations

import pytest
import webtest

from shop.presentation import make_app
from tests import staff_factories as sf
from tests.accounts_support import set_cookies
from tests.presentation.conftest import VISITOR
from tests.presentation.oauth_flow import sign_in


def test_staff_login_gives_a_new_token_and_the_old_one_stops_working(app, system):
    sf.staff(system, ["administrator"], username="boss")
    before = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    response = sf.web_login(app, "boss", status=303)
    [cookie] = set_cookies(response, "csrf_token")
    after = app.cookies["csrf_token"]
    assert after != before and cookie.startswith(f"csrf_token={after};")
    app.post("/admin/logout", {"csrf_token": before}, status=400)
    response = app.post("/admin/logout", {"csrf_token": after}, status=303)
    assert app.cookies["csrf_token"] != after  # and at logout too


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc")}


def test_an_oauth_login_gives_a_new_token(app, fake):
    before = app.get("/account/login").forms["login-form"]["csrf_token"].value
    assert sign_in(app, fake).status_int == 303
    assert app.cookies["csrf_token"] != before


def test_with_secure_cookies_the_token_is_a_host_cookie(shop, settings, system):
    sf.staff(system, ["administrator"], username="boss")
    app = webtest.TestApp(make_app({**settings, "shop.secure_cookies": "true"}, shop=shop),
                          extra_environ={**VISITOR, "wsgi.url_scheme": "https"})
    page = app.get("/admin/login")
    assert not set_cookies(page, "csrf_token")
    [cookie] = set_cookies(page, "__Host-csrf_token")
    assert "secure" in cookie.lower() and "Path=/" in cookie and "Domain" not in cookie
    form = page.forms["login-form"]
    form["username"], form["password"] = "boss", sf.PASSWORD
    response = form.submit(status=303, headers={"Referer": "https://localhost/admin/login"})
    assert set_cookies(response, "__Host-csrf_token")  # a new one at login
