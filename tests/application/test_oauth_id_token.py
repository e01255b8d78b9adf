"""The ID token checks a login depends on: signature, issuer, audience, expiry, nonce."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from shop.application.oauth.http import HttpReply, ProviderError
from shop.application.oauth.id_token import verify_id_token
from tests.fakes.oidc_provider import b64url, sign_hs256

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

ISSUER, CLIENT, SECRET, NONCE = "https://id.example.com", "shop-web", "s3cret", "n-123"


def claims(**changes):
    """Valid for a day: the parametrized tokens are made when the tests are collected, which
    in a full run is many minutes before they are checked."""
    now = int(time.time())
    return {"iss": ISSUER, "aud": CLIENT, "sub": "person-1", "exp": now + 86400, "iat": now,
            "nonce": NONCE, **changes}


def verify(token, *, over_tls=False):
    return verify_id_token(token, issuer=ISSUER, client_id=CLIENT, client_secret=SECRET,
                           nonce=NONCE, now=datetime.now(UTC), received_over_tls=over_tls)


def test_a_good_token_gives_its_claims():
    assert verify(sign_hs256(claims(), SECRET))["sub"] == "person-1"
    several = claims(aud=[CLIENT, "other"], azp=CLIENT)
    assert verify(sign_hs256(several, SECRET))["aud"] == [CLIENT, "other"]


@pytest.mark.parametrize(("token", "why"), [
    (sign_hs256(claims(), "another secret"), "signature"),
    (sign_hs256(claims(iss="https://evil.example.com"), SECRET), "issuer"),
    (sign_hs256(claims(aud="another-client"), SECRET), "audience"),
    (sign_hs256(claims(aud=[CLIENT, "other"]), SECRET), "azp"),
    (sign_hs256(claims(exp=int(time.time()) - 3600), SECRET), "expired"),
    (sign_hs256(claims(nonce="replayed"), SECRET), "nonce"),
    (sign_hs256(claims(sub=""), SECRET), "subject"),
    ("not-a-jwt", "malformed"),
])
def test_a_bad_token_is_refused_saying_why(token, why):
    with pytest.raises(ProviderError, match=why):
        verify(token)


def test_an_unsigned_token_is_always_refused():
    header = b64url(b'{"alg":"none","typ":"JWT"}')
    payload = b64url(json.dumps(claims()).encode())
    with pytest.raises(ProviderError, match="refused"):
        verify(f"{header}.{payload}.", over_tls=True)


def test_an_rs256_token_is_trusted_only_over_tls():
    header = b64url(b'{"alg":"RS256","typ":"JWT"}')
    payload = b64url(json.dumps(claims()).encode())
    token = f"{header}.{payload}.{b64url(b'signature')}"
    with pytest.raises(ProviderError, match="plain HTTP"):
        verify(token)
    assert verify(token, over_tls=True)["sub"] == "person-1"


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"openid": "x"}', {"openid": "x"}),
    (b'callback( {"client_id":"1","openid":"x"} );\n', {"client_id": "1", "openid": "x"}),
    (b"access_token=abc&expires_in=7776000", {"access_token": "abc", "expires_in": "7776000"}),
])
def test_provider_replies_in_json_jsonp_or_form_encoding_are_read(body, expected):
    assert HttpReply(200, body).json() == expected


def test_a_reply_that_is_no_object_is_a_provider_error():
    with pytest.raises(ProviderError):
        HttpReply(502, b"<html>Bad gateway</html>").json()
