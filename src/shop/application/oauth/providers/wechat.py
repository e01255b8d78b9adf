"""WeChat website login (微信开放平台 网站应用微信登录): a QR code the shopper scans.

WeChat's flow has ``state`` but neither PKCE nor a nonce; the code is exchanged with the AppSecret
in a GET (WeChat's API is built that way), and errors come back as HTTP 200 with ``errcode``.
The subject is the ``unionid`` when WeChat gives one (the same person across the merchant's
website, app and official account), else the ``openid``.
"""

from __future__ import annotations

import urllib.parse

from shop.application.i18n import _
from shop.application.oauth.providers.base import Provider, ProviderIdentity


class WeChatProvider(Provider):
    kind = "wechat"
    default_label = _("WeChat")
    endpoints = {  # noqa: RUF012
        "authorization_endpoint": "https://open.weixin.qq.com/connect/qrconnect",
        "token_endpoint": "https://api.weixin.qq.com/sns/oauth2/access_token",
        "userinfo_endpoint": "https://api.weixin.qq.com/sns/userinfo",
    }

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                          nonce: str) -> str:
        # No PKCE: WeChat does not support it. The parameter order and the fragment are
        # WeChat's documented form.
        query = urllib.parse.urlencode({
            "appid": self.config.client_id, "redirect_uri": redirect_uri,
            "response_type": "code", "scope": "snsapi_login", "state": state})
        return f"{self.endpoint('authorization_endpoint')}?{query}#wechat_redirect"

    def identity(self, *, code: str, redirect_uri: str, code_verifier: str,
                 nonce: str) -> ProviderIdentity:
        tokens = self.require(self.http.get(self.endpoint("token_endpoint"), {
            "appid": self.config.client_id, "secret": self.config.client_secret,
            "code": code, "grant_type": "authorization_code"}), "access_token", "openid")
        info = self.require(self.http.get(self.endpoint("userinfo_endpoint"), {
            "access_token": tokens["access_token"], "openid": tokens["openid"],
            "lang": "zh_CN"}), "openid")
        subject = tokens.get("unionid") or info.get("unionid") or tokens["openid"]
        nickname = info.get("nickname")
        return ProviderIdentity(subject=str(subject),
                                name=nickname if isinstance(nickname, str) else None)
