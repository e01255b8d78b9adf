"""Checking an OpenID Connect ID token (OIDC Core 1.0 §3.1.3.7).

The claims are always checked: ``iss`` is the configured issuer, ``aud`` holds our client id
(and ``azp`` is ours when there are several audiences), ``exp`` is in the future, ``nonce`` is the
one this login sent. The signature is checked when it is an HMAC made with the client secret
(HS256/384/512). A token signed with the provider's private key (RS256 …) would need its JWKS
and a crypto library; §3.1.3.7 point 6 lets a client that received the token straight from the
token endpoint over TLS rely on TLS instead, which is what is done here, and only over https.
``alg: none`` is always refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from shop.application.oauth.http import ProviderError

HMAC_ALGORITHMS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
ASYMMETRIC_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                         "ES256", "ES384", "ES512", "EdDSA"}
LEEWAY_SECONDS = 60


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verify_id_token(token: str, *, issuer: str, client_id: str, client_secret: str,
                    nonce: str, now: datetime, received_over_tls: bool) -> dict[str, Any]:
    """The token's claims, or ProviderError saying which check failed."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64decode(header_b64))
        claims = json.loads(_b64decode(payload_b64))
        signature = _b64decode(signature_b64)
    except (ValueError, AttributeError) as exc:
        raise ProviderError(f"malformed ID token: {exc}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ProviderError("malformed ID token")
    algorithm = header.get("alg")
    if algorithm in HMAC_ALGORITHMS:
        expected = hmac.new(client_secret.encode(), f"{header_b64}.{payload_b64}".encode(),
                            HMAC_ALGORITHMS[algorithm]).digest()
        if not hmac.compare_digest(expected, signature):
            raise ProviderError("ID token signature does not match")
    elif algorithm in ASYMMETRIC_ALGORITHMS:
        if not received_over_tls:
            raise ProviderError(f"{algorithm} ID token over plain HTTP: cannot be trusted")
    else:
        raise ProviderError(f"ID token algorithm {algorithm!r} refused")
    _check_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now)
    return claims


def _check_claims(claims: dict[str, Any], *, issuer: str, client_id: str, nonce: str,
                  now: datetime) -> None:
    if claims.get("iss") != issuer:
        raise ProviderError(f"ID token issuer {claims.get('iss')!r} is not {issuer!r}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise ProviderError(f"ID token audience {audience!r} lacks {client_id!r}")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise ProviderError("ID token has several audiences and azp is not ours")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + LEEWAY_SECONDS < now.timestamp():
        raise ProviderError("ID token has expired")
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise ProviderError("ID token nonce does not match this login")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise ProviderError("ID token has no subject")
