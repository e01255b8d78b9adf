"""Linking and unlinking providers from /account/oauth."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.data.models import OAuthIdentity
from tests.fakes.oidc_provider import Person
from tests.presentation.oauth_flow import callback_url, sign_in
from tests.shoppers import log_in, new_customer

EN = {"Accept-Language": "en"}


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc", "qq")}


@pytest.fixture
def owner(shop, app):
    """A shopper with a password, signed in; the fake's person has the same email."""
    customer_id = new_customer(shop, email="li.lei@example.com", password_hash="argon2-hash")
    log_in(shop, app, customer_id)
    return customer_id


def linked(shop, customer_id):
    with shop.transaction() as tx:
        return tx._session.scalars(select(OAuthIdentity.provider).where(
            OAuthIdentity.customer_id == customer_id).order_by(OAuthIdentity.provider)).all()


def link(app, fake, provider="oidc"):
    url = callback_url(app, fake, f"/account/oauth/{provider}/link")
    return app.get(url, headers=EN, status="*")


def test_a_signed_in_shopper_links_a_provider_then_logs_in_with_it(app, shop, fake, owner):
    page = app.get("/account/oauth", headers=EN)
    assert page.html.select_one("#no-links") is not None
    assert [a["data-provider"] for a in page.html.select(".link-provider")] == ["oidc", "qq"]
    done = link(app, fake)
    assert done.status_int == 303 and done.location.endswith("/account/oauth")
    assert linked(shop, owner) == ["oidc"]
    page = app.get("/account/oauth", headers=EN)
    assert [li["data-provider"] for li in page.html.select(".linked-provider")] == ["oidc"]
    assert "li.lei@example.com" in page.html.select_one(".linked-provider").text
    app.reset()
    assert sign_in(app, fake).status_int == 303
    with shop.transaction() as tx:
        assert tx.identify(app.cookies["shop_session"]).id == owner


def test_an_identity_linked_to_another_account_is_not_moved(app, shop, fake, owner):
    other = new_customer(shop)
    fake.person = Person("shared-person", "other@example.com")
    log_in(shop, app, other)
    link(app, fake)
    log_in(shop, app, owner)
    page = link(app, fake)
    assert page.status_int == 400
    assert "already linked to another account" in page.html.select_one("#oauth-message").text
    assert (linked(shop, owner), linked(shop, other)) == ([], ["oidc"])


def test_a_link_finished_by_someone_else_is_refused(app, shop, fake, owner):
    url = callback_url(app, fake, "/account/oauth/oidc/link")
    log_in(shop, app, new_customer(shop))  # the browser now belongs to another shopper
    page = app.get(url, headers=EN, status="*")
    assert page.status_int == 400
    assert linked(shop, owner) == []


def test_unlinking_needs_csrf_and_removes_the_link(app, shop, fake, owner):
    link(app, fake)
    app.get("/account/oauth")
    app.post("/account/oauth/oidc/unlink", status=400)  # no CSRF token
    assert linked(shop, owner) == ["oidc"]
    app.post("/account/oauth/oidc/unlink", {"csrf_token": app.cookies["csrf_token"]},
             status=303)
    assert linked(shop, owner) == []
    app.post("/account/oauth/oidc/unlink", {"csrf_token": app.cookies["csrf_token"]},
             status=404)
    app.reset()
    # Unlinked, the provider's login meets the owner's email again and does not take it over.
    page = sign_in(app, fake)
    assert page.html.select_one("#oauth-email-taken") is not None


def test_the_only_way_into_a_passwordless_account_cannot_be_unlinked(app, shop, fake):
    sign_in(app, fake)  # makes an account with no password, linked to oidc
    page = app.get("/account/oauth", headers=EN)
    assert page.html.select_one(".unlink button").has_attr("disabled")
    refused = app.post("/account/oauth/oidc/unlink", {"csrf_token": app.cookies["csrf_token"]},
                       headers=EN, status=400)
    assert "Set a password first" in refused.html.select_one("#form-errors").text
    with shop.transaction() as tx:
        customer_id = tx.identify(app.cookies["shop_session"]).id
    assert linked(shop, customer_id) == ["oidc"]
    # With a second provider linked, either one may go.
    fake.person = Person("qq-person", None)
    link(app, fake, "qq")
    app.post("/account/oauth/oidc/unlink", {"csrf_token": app.cookies["csrf_token"]},
             status=303)
    assert linked(shop, customer_id) == ["qq"]


@pytest.mark.parametrize("url", ["/account/oauth", "/account/oauth/oidc/link"])
def test_anonymous_visitors_cannot_link(app, url):
    page = app.get(url, expect_errors=True)
    assert page.status_int in (302, 303, 403)
