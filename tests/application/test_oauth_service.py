"""The OAuth service's rules, no provider needed: attempts are bound, short-lived, single-use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from shop.application import ANONYMOUS, Forbidden, NotFound
from shop.application.oauth import callback
from shop.application.oauth.errors import OAuthFailed
from shop.application.oauth.pkce import s256_challenge, sha256_hex
from shop.data.models import OAuthAttempt
from tests.shoppers import shopper

REDIRECT = "https://shop.example.com/oauth/oidc/callback"


@pytest.fixture
def settings(settings):
    return {**settings, "shop.oauth.providers": "oidc qq",
            "shop.oauth.oidc.client_id": "shop-web", "shop.oauth.oidc.client_secret": "s",
            "shop.oauth.oidc.issuer": "https://id.example.com",
            "shop.oauth.oidc.authorization_endpoint": "https://id.example.com/authorize",
            "shop.oauth.oidc.token_endpoint": "https://id.example.com/token",
            "shop.oauth.qq.client_id": "1", "shop.oauth.qq.client_secret": "k"}


def begin(shop, **kwargs):
    with shop.transaction() as tx:
        start = tx.oauth.begin("oidc", redirect_uri=REDIRECT, **kwargs)
    return start, {k: v[0] for k, v in parse_qs(urlsplit(start.url).query).items()}


def finish(shop, state, browser_token, **params):
    return callback.finish(shop, "oidc", {"state": state, "code": "c", **params},
                           browser_token=browser_token)


def test_begin_keeps_the_secrets_server_side(shop):
    start, params = begin(shop)
    with shop.transaction() as tx:
        attempt = tx._session.get(OAuthAttempt, sha256_hex(params["state"]))
        assert attempt is not None and attempt.purpose == "login"
        assert attempt.browser_hash == sha256_hex(start.browser_token)
        assert s256_challenge(attempt.code_verifier) == params["code_challenge"]
        assert attempt.nonce == params["nonce"]
        assert attempt.redirect_uri == params["redirect_uri"] == REDIRECT
        assert attempt.code_verifier not in start.url


def test_a_browser_token_is_reused_so_two_tabs_both_work(shop):
    first, _ = begin(shop)
    second, _ = begin(shop, browser_token=first.browser_token)
    assert second.browser_token == first.browser_token


def test_an_expired_attempt_is_refused_and_swept(shop):
    start, params = begin(shop)
    with shop.transaction() as tx:
        tx._session.execute(update(OAuthAttempt).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(OAuthFailed):
        finish(shop, params["state"], start.browser_token)
    begin(shop)  # starting another login removes expired attempts
    with shop.transaction() as tx:
        assert tx._session.get(OAuthAttempt, sha256_hex(params["state"])) is None


def test_a_provider_error_on_the_callback_is_refused_before_any_request(shop):
    start, params = begin(shop)
    with pytest.raises(OAuthFailed) as caught:
        finish(shop, params["state"], start.browser_token, error="access_denied")
    assert "cancelled or refused" in caught.value.message.interpolate()


def test_linking_needs_a_signed_in_shopper(shop):
    with pytest.raises(Forbidden), shop.transaction(actor=ANONYMOUS) as tx:
        tx.oauth.begin("oidc", redirect_uri=REDIRECT, link=True)
    actor = shopper(shop)
    with shop.transaction(actor=actor) as tx:
        tx.oauth.begin("oidc", redirect_uri=REDIRECT, link=True)
        with pytest.raises(NotFound):
            tx.oauth.begin("github", redirect_uri=REDIRECT)


def test_enabled_providers_follow_the_settings(shop):
    with shop.transaction() as tx:
        providers = tx.oauth.enabled_providers()
    assert [(p.name, str(p.label)) for p in providers] == [("oidc", "OpenID Connect"),
                                                          ("qq", "QQ")]
