"""QQ login (QQ互联): the code is exchanged for a token, then ``/oauth2.0/me`` names the openid.

QQ has ``state`` but no PKCE or nonce. ``fmt=json`` asks for JSON; the older JSONP and
form-encoded answers are read too. The ``me`` answer's client id must be ours: a token issued to
another app must not log anyone in here.
"""

from __future__ import annotations

import urllib.parse

from shop.application.i18n import _
from shop.application.oauth.http import ProviderError
from shop.application.oauth.providers.base import Provider, ProviderIdentity


class QQProvider(Provider):
    kind = "qq"
    default_label = _("QQ")
    endpoints = {  # noqa: RUF012
        "authorization_endpoint": "https://graph.qq.com/oauth2.0/authorize",
        "token_endpoint": "https://graph.qq.com/oauth2.0/token",
        "openid_endpoint": "https://graph.qq.com/oauth2.0/me",
        "userinfo_endpoint": "https://graph.qq.com/user/get_user_info",
    }

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                          nonce: str) -> str:
        # No PKCE: QQ does not support it; state alone protects the round trip.
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.config.client_id,
            "redirect_uri": redirect_uri, "state": state, "scope": "get_user_info"})
        return f"{self.endpoint('authorization_endpoint')}?{query}"

    def identity(self, *, code: str, redirect_uri: str, code_verifier: str,
                 nonce: str) -> ProviderIdentity:
        tokens = self.require(self.http.get(self.endpoint("token_endpoint"), {
            "grant_type": "authorization_code", "client_id": self.config.client_id,
            "client_secret": self.config.client_secret, "code": code,
            "redirect_uri": redirect_uri, "fmt": "json"}), "access_token")
        me = self.require(self.http.get(self.endpoint("openid_endpoint"), {
            "access_token": tokens["access_token"], "fmt": "json"}), "openid", "client_id")
        if str(me["client_id"]) != self.config.client_id:
            raise ProviderError(f"QQ token belongs to app {me['client_id']}")
        info = self.require(self.http.get(self.endpoint("userinfo_endpoint"), {
            "access_token": tokens["access_token"], "oauth_consumer_key": self.config.client_id,
            "openid": me["openid"]}))
        if str(info.get("ret", 0)) != "0":
            raise ProviderError(f"QQ get_user_info: {info.get('ret')} {info.get('msg')}")
        nickname = info.get("nickname")
        return ProviderIdentity(subject=str(me["openid"]),
                                name=nickname if isinstance(nickname, str) else None)
