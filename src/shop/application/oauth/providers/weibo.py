"""Weibo login (微博登录): the token answer carries the uid; users/show gives the screen name.

Weibo has ``state`` but no PKCE or nonce. Its email API needs extra approval, so no email is read.
"""

from __future__ import annotations

import urllib.parse

from shop.application.i18n import _
from shop.application.oauth.http import ProviderError
from shop.application.oauth.providers.base import Provider, ProviderIdentity


class WeiboProvider(Provider):
    kind = "weibo"
    default_label = _("Weibo")
    endpoints = {  # noqa: RUF012
        "authorization_endpoint": "https://api.weibo.com/oauth2/authorize",
        "token_endpoint": "https://api.weibo.com/oauth2/access_token",
        "userinfo_endpoint": "https://api.weibo.com/2/users/show.json",
    }

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                          nonce: str) -> str:
        # No PKCE: Weibo does not support it; state alone protects the round trip.
        query = urllib.parse.urlencode({
            "client_id": self.config.client_id, "redirect_uri": redirect_uri,
            "response_type": "code", "state": state})
        return f"{self.endpoint('authorization_endpoint')}?{query}"

    def identity(self, *, code: str, redirect_uri: str, code_verifier: str,
                 nonce: str) -> ProviderIdentity:
        tokens = self.require(self.http.post(self.endpoint("token_endpoint"), {
            "client_id": self.config.client_id, "client_secret": self.config.client_secret,
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}),
            "access_token", "uid")
        info = self.require(self.http.get(self.endpoint("userinfo_endpoint"), {
            "access_token": tokens["access_token"], "uid": str(tokens["uid"])}), "id")
        if str(info["id"]) != str(tokens["uid"]):
            raise ProviderError(f"Weibo users/show answered for {info['id']}, not {tokens['uid']}")
        name = info.get("screen_name")
        return ProviderIdentity(subject=str(tokens["uid"]),
                                name=name if isinstance(name, str) else None)
