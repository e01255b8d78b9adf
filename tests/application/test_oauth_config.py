"""Enabled providers come from the settings; a half-configured one is an error, not a no-op."""

from __future__ import annotations

import pytest

from shop.application import Invalid
from shop.application.clock import SystemClock
from shop.application.oauth.config import provider_configs
from shop.application.oauth.http import HttpClient
from shop.application.oauth.providers import provider_for

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database


def test_providers_are_listed_in_order_with_their_options():
    configs = provider_configs({
        "shop.oauth.providers": "wechat corp",
        "shop.oauth.wechat.client_id": "wx1", "shop.oauth.wechat.client_secret": "s1",
        "shop.oauth.corp.kind": "oidc", "shop.oauth.corp.client_id": "c",
        "shop.oauth.corp.client_secret": "s2", "shop.oauth.corp.label": "Corp SSO",
        "shop.oauth.corp.issuer": "https://sso.example.com",
        "shop.oauth.corp.authorization_endpoint": "https://sso.example.com/authorize",
        "shop.oauth.corp.token_endpoint": "https://sso.example.com/token"})
    assert list(configs) == ["wechat", "corp"]
    assert configs["corp"].kind == "oidc"
    assert configs["corp"].option("issuer") == "https://sso.example.com"
    assert provider_for(configs["corp"], HttpClient(), SystemClock()).label == "Corp SSO"


def test_no_setting_means_no_provider():
    assert provider_configs({}) == {}


def test_a_provider_without_credentials_is_a_configuration_error():
    with pytest.raises(Invalid) as caught:
        provider_configs({"shop.oauth.providers": "qq", "shop.oauth.qq.client_id": "1"})
    assert list(caught.value.errors) == ["shop.oauth.qq.client_secret"]
    with pytest.raises(Invalid):
        provider_configs({"shop.oauth.providers": "Bad-Name"})
    odd = provider_configs({"shop.oauth.providers": "x", "shop.oauth.x.client_id": "1",
                            "shop.oauth.x.client_secret": "2"})["x"]
    with pytest.raises(Invalid) as caught:
        provider_for(odd, HttpClient(), SystemClock())
    assert list(caught.value.errors) == ["shop.oauth.x.kind"]


def test_an_openid_provider_needs_its_issuer_and_endpoints():
    config = provider_configs({"shop.oauth.providers": "oidc", "shop.oauth.oidc.client_id": "c",
                               "shop.oauth.oidc.client_secret": "s",
                               "shop.oauth.oidc.issuer": "https://id.example.com"})["oidc"]
    with pytest.raises(Invalid) as caught:
        provider_for(config, HttpClient(), SystemClock())
    assert set(caught.value.errors) == {"shop.oauth.oidc.authorization_endpoint",
                                        "shop.oauth.oidc.token_endpoint"}


def test_the_built_in_endpoints_are_the_providers_real_ones():
    def url(kind):
        config = provider_configs({"shop.oauth.providers": kind,
                                   f"shop.oauth.{kind}.client_id": "id",
                                   f"shop.oauth.{kind}.client_secret": "secret"})[kind]
        return provider_for(config, HttpClient(), SystemClock()).authorization_url(
            redirect_uri="https://shop.example.com/oauth/cb", state="st", code_challenge="ch",
            nonce="n")

    assert url("wechat") == (
        "https://open.weixin.qq.com/connect/qrconnect?appid=id&redirect_uri="
        "https%3A%2F%2Fshop.example.com%2Foauth%2Fcb&response_type=code&scope=snsapi_login"
        "&state=st#wechat_redirect")
    assert url("qq").startswith("https://graph.qq.com/oauth2.0/authorize?response_type=code")
    assert url("weibo").startswith("https://api.weibo.com/oauth2/authorize?client_id=id")
    for kind in ("wechat", "qq", "weibo"):
        assert "code_challenge" not in url(kind)  # none of them supports PKCE
