"""A generic OpenID Connect provider: authorization code flow with PKCE (S256) and a nonce.

The endpoints come from the settings (no discovery request at run time). The client
authenticates at the token endpoint with HTTP Basic (``client_secret_basic``, the spec's default).
"""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

from shop.application.i18n import _
from shop.application.oauth.http import ProviderError
from shop.application.oauth.id_token import verify_id_token
from shop.application.oauth.providers.base import Provider, ProviderIdentity

DEFAULT_SCOPES = "openid email profile"


class OidcProvider(Provider):
    kind = "oidc"
    default_label = _("OpenID Connect")
    required_options = ("issuer", "authorization_endpoint", "token_endpoint")

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                          nonce: str) -> str:
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.config.client_id,
            "redirect_uri": redirect_uri, "scope": self.config.option("scopes", DEFAULT_SCOPES),
            "state": state, "nonce": nonce,
            "code_challenge": code_challenge, "code_challenge_method": "S256"})
        url = self.endpoint("authorization_endpoint")
        return f"{url}{'&' if '?' in url else '?'}{query}"

    def identity(self, *, code: str, redirect_uri: str, code_verifier: str,
                 nonce: str) -> ProviderIdentity:
        token_endpoint = self.endpoint("token_endpoint")
        reply = self.http.post(
            token_endpoint,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
             "code_verifier": code_verifier},
            headers={"Authorization": self._basic_auth()})
        tokens = self.require(reply, "access_token", "id_token")
        claims = verify_id_token(
            tokens["id_token"], issuer=self.endpoint("issuer"),
            client_id=self.config.client_id, client_secret=self.config.client_secret,
            nonce=nonce, now=self.clock.now(),
            received_over_tls=token_endpoint.startswith("https:"))
        if self.config.option("userinfo_endpoint"):
            claims = {**claims, **self._userinfo(tokens["access_token"], claims["sub"])}
        email = claims.get("email") if isinstance(claims.get("email"), str) else None
        return ProviderIdentity(
            subject=claims["sub"], email=email,
            email_verified=email is not None and claims.get("email_verified") is True,
            name=_first_text(claims, "name", "preferred_username", "nickname"))

    def _userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        reply = self.http.get(self.endpoint("userinfo_endpoint"),
                              headers={"Authorization": f"Bearer {access_token}"})
        info = self.require(reply, "sub")
        if info["sub"] != subject:  # OIDC Core §5.3.2: else the answer may be someone else's
            raise ProviderError("userinfo subject differs from the ID token's")
        return info

    def _basic_auth(self) -> str:
        # RFC 6749 §2.3.1: each part is form-urlencoded before joining.
        pair = (f"{urllib.parse.quote_plus(self.config.client_id)}:"
                f"{urllib.parse.quote_plus(self.config.client_secret)}")
        return "Basic " + base64.b64encode(pair.encode()).decode()


def _first_text(claims: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
