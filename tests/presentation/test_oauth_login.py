"""Login with a provider, against the fake provider on 127.0.0.1: the whole round trip."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import func, select

from shop.application.events.dispatch import dispatch_events
from shop.data.models import Customer, OAuthIdentity
from tests.fakes.oidc_provider import Person
from tests.presentation.oauth_flow import callback_url, sign_in, with_param
from tests.shoppers import log_in, new_customer

EN = {"Accept-Language": "en"}


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc", "wechat", "qq", "weibo")}


def logged_in_as(shop, app):
    """The customer id behind the app's session cookie, or None."""
    token = app.cookies.get("shop_session")
    if not token:
        return None
    with shop.transaction() as tx:
        return tx.identify(token).id


def count(shop, model, *where):
    with shop.transaction() as tx:
        return tx._session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_first_login_makes_an_account_and_logs_it_in(app, shop, fake):
    page = sign_in(app, fake)
    assert page.status_int == 303
    customer_id = logged_in_as(shop, app)
    assert customer_id is not None
    with shop.transaction() as tx:
        customer = tx._session.get(Customer, customer_id)
        assert customer.email == "li.lei@example.com"
        assert customer.email_verified_at is not None  # the provider verified it
        assert customer.password_hash is None
        assert customer.name == "测试用户"
    assert dispatch_events(shop).handled == 1  # customer.registered: the registration gift
    with shop.transaction(actor=shop.system_actor("t")) as tx:
        assert tx.rewards.balance(customer_id) == 100
    assert ("oidc", "token", "ok") in fake.calls
    links = app.get("/account/oauth", headers=EN)
    assert [li["data-provider"] for li in links.html.select(".linked-provider")] == ["oidc"]


def test_the_login_page_offers_each_enabled_provider(app, shop, fake):
    page = app.get("/account/login", headers=EN)
    buttons = page.html.select("#oauth-buttons a.oauth-button")
    assert [(b["data-provider"], b.text) for b in buttons] == [
        ("oidc", "Example ID"), ("wechat", "WeChat"), ("qq", "QQ"), ("weibo", "Weibo")]
    start = app.get(buttons[0]["href"], status=303)
    assert start.location.startswith(f"{fake.base_url}/oidc/authorize?")
    assert "HttpOnly" in start.headers["Set-Cookie"]


@pytest.mark.parametrize("settings", [{"shop.oauth.providers": ""}])
def test_no_buttons_when_no_provider_is_enabled(app):
    page = app.get("/account/login")
    assert page.html.select_one("#oauth-buttons") is None


def test_after_login_the_shopper_lands_on_their_account(app, fake):
    page = sign_in(app, fake)
    assert page.location == "http://localhost/account"
    assert app.get("/account").status_int == 200


def test_a_second_login_uses_the_same_account(app, shop, fake):
    sign_in(app, fake)
    first = logged_in_as(shop, app)
    app.reset()
    sign_in(app, fake)
    assert logged_in_as(shop, app) == first
    assert count(shop, OAuthIdentity, OAuthIdentity.customer_id == first) == 1


def test_logging_in_replaces_an_earlier_session(app, shop, fake):
    someone = new_customer(shop)
    log_in(shop, app, someone)
    old_token = app.cookies["shop_session"]
    sign_in(app, fake)
    assert logged_in_as(shop, app) not in (None, someone)
    with shop.transaction() as tx:
        assert tx.identify(old_token).id is None  # the earlier session ended


@pytest.mark.parametrize("provider", ["wechat", "qq", "weibo"])
def test_chinese_providers_log_in_twice_to_one_account(app, shop, fake, provider):
    fake.person = Person("person-42", email=None, name="小明")
    assert sign_in(app, fake, provider).status_int == 303
    customer_id = logged_in_as(shop, app)
    with shop.transaction() as tx:
        customer = tx._session.get(Customer, customer_id)
        assert (customer.email, customer.name) == (None, "小明")
    app.reset()
    sign_in(app, fake, provider)
    assert logged_in_as(shop, app) == customer_id
    assert (provider, "token", "ok") in fake.calls


def test_the_wechat_subject_is_the_unionid(app, shop, fake):
    sign_in(app, fake, "wechat")
    with shop.transaction() as tx:
        subjects = tx._session.scalars(select(OAuthIdentity.subject).where(
            OAuthIdentity.provider == "wechat")).all()
    assert subjects == ["u-person-1"]


def assert_refused(page, shop, app):
    assert page.status_int == 400
    assert page.html.select_one("#oauth-failed") is not None
    assert logged_in_as(shop, app) is None
    assert count(shop, OAuthIdentity) == 0


@pytest.mark.parametrize("state", [None, "", "forged-state"])
def test_a_missing_or_wrong_state_is_refused(app, shop, fake, state):
    url = callback_url(app, fake, "/oauth/oidc/start")
    page = app.get(with_param(url, state=state), headers=EN, status="*")
    assert_refused(page, shop, app)
    assert "try again" in page.html.select_one("#oauth-message").text
    assert not fake.calls  # the code was never even sent to the provider


def test_a_callback_in_another_browser_is_refused(app, wsgi_app, shop, fake):
    """Login CSRF: a victim opening the attacker's callback link is not logged in."""
    url = callback_url(app, fake, "/oauth/oidc/start")
    victim = webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost"})
    page = victim.get(url, headers=EN, status="*")
    assert page.status_int == 400
    assert victim.cookies.get("shop_session") is None
    assert count(shop, OAuthIdentity) == 0


def test_a_callback_works_once(app, shop, fake):
    url = callback_url(app, fake, "/oauth/oidc/start")
    assert app.get(url, status=303)
    app.set_cookie("shop_session", "")
    assert app.get(url, headers=EN, status=400).html.select_one("#oauth-failed")


def test_a_callback_for_another_provider_is_refused(app, shop, fake):
    url = callback_url(app, fake, "/oauth/oidc/start")
    page = app.get(url.replace("/oauth/oidc/", "/oauth/qq/"), headers=EN, status="*")
    assert_refused(page, shop, app)


def test_a_wrong_verifier_is_refused_by_the_provider(app, shop, fake):
    """The challenge the provider holds is not the shop's: the token endpoint says no."""
    def swap_challenge(params):
        params["code_challenge"] = "A" * 43

    page = sign_in(app, fake, tamper=swap_challenge)
    assert_refused(page, shop, app)
    assert fake.calls == [("oidc", "token", "invalid_grant")]
    assert "could not confirm who you are" in page.html.select_one("#oauth-message").text


def test_a_refused_callback_still_uses_up_its_state(app, shop, fake):
    """The attempt is taken and committed before the provider is asked: a failure after that
    does not make the callback link usable again."""
    def swap_challenge(params):
        params["code_challenge"] = "A" * 43

    url = callback_url(app, fake, "/oauth/oidc/start", tamper=swap_challenge)
    refused = app.get(url, headers=EN, status=400)
    assert "could not confirm who you are" in refused.html.select_one("#oauth-message").text
    again = app.get(url, headers=EN, status=400)
    assert "did not complete or has expired" in again.html.select_one("#oauth-message").text
    assert fake.calls == [("oidc", "token", "invalid_grant")]  # the code went out once


def test_the_shop_sends_the_pkce_challenge_and_nonce(app, fake):
    seen = {}
    sign_in(app, fake, tamper=seen.update)
    assert seen["code_challenge_method"] == "S256" and len(seen["code_challenge"]) == 43
    assert seen["nonce"] and seen["state"] and seen["scope"] == "openid email profile"


@pytest.mark.parametrize("claims", [{"aud": "someone-else"}, {"nonce": "replayed"},
                                    {"exp": 1_000_000_000}, {"iss": "http://evil.example"}])
def test_an_id_token_that_fails_a_check_is_refused(app, shop, fake, claims):
    fake.id_token_overrides.update(claims)
    assert_refused(sign_in(app, fake), shop, app)


def test_a_refusal_at_the_provider_is_a_clean_page(app, shop, fake):
    fake.refuse = True
    page = sign_in(app, fake)
    assert_refused(page, shop, app)
    assert "cancelled or refused" in page.html.select_one("#oauth-message").text


def test_an_existing_email_is_not_taken_over(app, shop, fake):
    owner = new_customer(shop, email="li.lei@example.com", password_hash="x")
    page = sign_in(app, fake)
    assert page.status_int == 200
    assert page.html.select_one("#oauth-email-taken") is not None
    assert "li.lei@example.com" in page.text
    assert logged_in_as(shop, app) is None
    assert count(shop, OAuthIdentity) == 0
    with shop.transaction() as tx:
        assert tx._session.scalars(select(Customer.id).where(
            Customer.email == "li.lei@example.com")).all() == [owner]


def test_an_unverified_email_neither_logs_in_nor_claims_the_address(app, shop, fake):
    owner = new_customer(shop, email="li.lei@example.com", password_hash="x")
    fake.person = Person("person-9", "li.lei@example.com", email_verified=False)
    assert sign_in(app, fake).status_int == 303
    customer_id = logged_in_as(shop, app)
    assert customer_id not in (None, owner)
    with shop.transaction() as tx:
        assert tx._session.get(Customer, customer_id).email is None


def test_an_unknown_or_disabled_provider_is_404(app):
    app.get("/oauth/github/start", status=404)
    app.get("/oauth/github/callback?code=x&state=y", status=404)
