"""Password recovery and the shopper's own pages, through the real app."""

from __future__ import annotations

import re

import pytest

from tests.accounts_support import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    latest_code,
    latest_link_token,
    messages_to,
    session_cookie_value,
    web_log_in,
    web_register,
)
from tests.presentation.conftest import another_browser


def _csrf(app):
    return app.cookies["csrf_token"]


@pytest.fixture
def shopper(web, shop, clock):
    """A signed-in shopper with mobile 13800138000 and email li@example.com."""
    web_register(web, shop, "13800138000", name="Li")
    clock.advance(seconds=61)
    form = web.get("/account/contact?channel=email").forms["contact-form"]
    form["email"] = "li@example.com"
    form = form.submit().forms["contact-confirm-form"]
    form["code"] = latest_code(shop, "li@example.com")
    form.submit(status=303)
    clock.advance(seconds=61)
    return web


def _ask_for_reset(app, identifier):
    form = app.get("/account/recover").forms["recover-form"]
    form["identifier"] = identifier
    return form.submit(status="*")


def test_reset_by_email_link_ends_every_session(shopper, shop, clock):
    old_cookie = shopper.cookies["shop_session"]
    stranger = another_browser(shopper)
    page = _ask_for_reset(stranger, "LI@example.com")
    assert "we sent it a link" in page.html.select_one("#notice").text
    token = latest_link_token(shop, "li@example.com")
    assert token not in page.text
    form = stranger.get(f"/account/reset/{token}").forms["reset-link-form"]
    form["password"] = "li"
    assert form.submit(status=400).html.select_one(".field-error[data-field=password]")
    form = stranger.get(f"/account/reset/{token}").forms["reset-link-form"]
    form["password"] = OTHER_PASSWORD
    done = form.submit(status=303)
    assert done.location == "http://localhost/account/login?done=reset"
    assert "Log in with the new one" in done.follow().text
    shopper.get("/account", status=303)  # the old session ended
    replay = another_browser(shopper)
    replay.set_cookie("shop_session", old_cookie)
    replay.get("/account", status=303)
    gone = stranger.get(f"/account/reset/{token}", status=400)
    assert gone.html.select_one("#link-gone")
    web_log_in(stranger, "li@example.com", OTHER_PASSWORD, status=303)


def test_reset_by_sms_code(shopper, shop, clock):
    stranger = another_browser(shopper)
    response = _ask_for_reset(stranger, "138 0013 8000")
    assert response.status_int == 303
    form = response.follow().forms["reset-code-form"]
    assert form["mobile"].value == "+8613800138000"
    form["code"] = "000000" if latest_code(shop, "+8613800138000") != "000000" else "111111"
    form["password"] = OTHER_PASSWORD
    page = form.submit(status=400)
    assert page.html.select_one(".field-error[data-field=code]")
    form = page.forms["reset-code-form"]
    form["code"] = latest_code(shop, "+8613800138000")
    form["password"] = OTHER_PASSWORD
    form.submit(status=303)
    web_log_in(stranger, "13800138000", OTHER_PASSWORD, status=303)


def test_recovery_answers_alike_for_unknown_addresses(shopper, shop, clock):
    stranger = another_browser(shopper)
    known = _ask_for_reset(stranger, "li@example.com")
    unknown = _ask_for_reset(stranger, "nobody@example.com")
    strip = lambda page: re.sub(r'name="csrf_token" value="[^"]*"', "", page.text)  # noqa: E731
    assert known.status_int == unknown.status_int == 200
    assert strip(known) == strip(unknown)
    assert messages_to(shop, "nobody@example.com") == []
    known = _ask_for_reset(stranger, "13800138000")
    unknown = _ask_for_reset(stranger, "13900139000")
    assert known.status_int == unknown.status_int == 303


def test_a_bad_identifier_is_named(web):
    page = _ask_for_reset(web, "neither")
    assert page.status_int == 400
    assert page.html.select_one(".field-error[data-field=identifier]")


def test_profile_edit_shows_escaped_and_ignores_extra_fields(shopper, shop, clock):
    other = another_browser(shopper)
    web_register(other, shop, "13900139000", name="Other")
    form = shopper.get("/account/profile").forms["profile-form"]
    assert form["name"].value == "Li"
    response = shopper.post("/account/profile", {
        "csrf_token": _csrf(shopper), "name": "<b>Li</b>", "gender": "female",
        "birthday": "1990-01-02", "id": "2", "user_id": "2", "is_staff": "true",
        "customer_id": "2"}, status=303)
    page = response.follow()
    assert page.html.select_one("#profile-field-name").text == "<b>Li</b>"
    assert "<b>Li</b>" not in page.text
    assert "Your details were saved" in page.text
    assert other.get("/account").html.select_one("#profile-field-name").text == "Other"
    assert page.html.select_one("#complete-profile") is None


def test_bad_profile_input_is_named(shopper):
    form = shopper.get("/account/profile").forms["profile-form"]
    form["birthday"] = "2999-12-31"
    page = form.submit(status=400)
    assert page.html.select_one(".field-error[data-field=birthday]")


def test_each_shopper_sees_only_their_own_account(shopper, shop, clock):
    other = another_browser(shopper)
    web_register(other, shop, "13900139000", name="Other")
    mine, theirs = shopper.get("/account"), other.get("/account")
    assert mine.html.select_one("#profile-mobile").text == "+8613800138000"
    assert theirs.html.select_one("#profile-mobile").text == "+8613900139000"
    assert "13800138000" not in theirs.text


def test_change_password_keeps_this_session_and_ends_the_others(shopper, shop, clock):
    elsewhere = another_browser(shopper)
    web_log_in(elsewhere, "13800138000", status=303)
    before = shopper.cookies["shop_session"]
    form = shopper.get("/account/password").forms["password-form"]
    form["current_password"], form["new_password"] = "wrong one entirely", OTHER_PASSWORD
    assert form.submit(status=400).html.select_one(
        ".field-error[data-field=current_password]")
    form = shopper.get("/account/password").forms["password-form"]
    form["current_password"], form["new_password"] = STRONG_PASSWORD, OTHER_PASSWORD
    response = form.submit(status=303)
    assert session_cookie_value(response) != before
    assert response.follow().status_int == 200
    elsewhere.get("/account", status=303)
    replay = another_browser(shopper)
    replay.set_cookie("shop_session", before)
    replay.get("/account", status=303)


def test_change_mobile_is_confirmed_by_a_code_to_the_new_number(shopper, shop, clock):
    form = shopper.get("/account/contact?channel=mobile").forms["contact-form"]
    form["mobile"] = "13600136000"
    page = form.submit()
    assert shopper.get("/account").html.select_one("#profile-mobile").text == "+8613800138000"
    form = page.forms["contact-confirm-form"]
    form["code"] = latest_code(shop, "+8613600136000")
    form.submit(status=303)
    assert shopper.get("/account").html.select_one("#profile-mobile").text == "+8613600136000"


def test_a_taken_mobile_gets_the_same_page(shopper, shop, clock):
    other = another_browser(shopper)
    web_register(other, shop, "13900139000")
    clock.advance(seconds=61)
    pages = []
    for number in ("13900139000", "13500135000"):
        form = shopper.get("/account/contact?channel=mobile").forms["contact-form"]
        form["mobile"] = number
        pages.append(form.submit())
    strip = lambda page, n: re.sub(  # noqa: E731
        r'name="csrf_token" value="[^"]*"', "", page.text).replace(n, "…")
    assert strip(pages[0], "+8613900139000") == strip(pages[1], "+8613500135000")
