"""A fake identity provider speaking four dialects: OpenID Connect, WeChat, QQ and Weibo.

It is a plain WSGI app (WebOb), served by waitress on 127.0.0.1 for the shop's server-to-server
calls, and called in-process for the browser's visit to its authorization page. It really
checks what a provider checks: the client's credentials, the ``redirect_uri`` against the
registered one, the PKCE ``code_verifier`` against the ``code_challenge`` (S256), codes used once;
and it signs ID tokens with HS256 using the client secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

from waitress.server import create_server
from webob import Request, Response

CLIENTS = {  # dialect: (client id, client secret)
    "oidc": ("shop-web", "oidc-client-secret"),
    "wechat": ("wx5f1a2b3c4d5e6f70", "wechat-app-secret"),
    "qq": ("101234567", "qq-app-key"),
    "weibo": ("3456789012", "weibo-app-secret"),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_hs256(claims: dict[str, Any], secret: str, alg: str = "HS256") -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{b64url(signature.digest())}"


@dataclass
class Person:
    """Who is signed in at the provider and will consent."""

    sub: str
    email: str | None = None
    email_verified: bool = True
    name: str = "测试用户"


@dataclass
class Grant:
    dialect: str
    client_id: str
    redirect_uri: str
    person: Person
    challenge: str | None
    nonce: str | None
    used: bool = False


@dataclass
class FakeProvider:
    base_url: str = ""
    redirect_uris: dict[str, str] = field(default_factory=dict)  # dialect → registered URI
    person: Person = field(default_factory=lambda: Person("person-1", "li.lei@example.com"))
    #: The person refuses on the consent page (the provider answers error=access_denied).
    refuse: bool = False
    #: Claims to overwrite in the next ID tokens (to test the shop's checks).
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    #: (dialect, endpoint, outcome) of every server-to-server call, for assertions.
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    #: Run by the token endpoint before it answers, while the shop waits for it (a test looks
    #: at the shop's database meanwhile).
    while_answering: Callable[[], None] | None = None

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/oidc"

    def settings(self, *dialects: str) -> dict[str, str]:
        """The shop settings that enable ``dialects`` against this fake."""
        base = self.base_url
        endpoints = {
            "oidc": {"issuer": self.issuer, "authorization_endpoint": f"{base}/oidc/authorize",
                     "token_endpoint": f"{base}/oidc/token",
                     "userinfo_endpoint": f"{base}/oidc/userinfo", "label": "Example ID"},
            "wechat": {"authorization_endpoint": f"{base}/wechat/connect/qrconnect",
                       "token_endpoint": f"{base}/wechat/sns/oauth2/access_token",
                       "userinfo_endpoint": f"{base}/wechat/sns/userinfo"},
            "qq": {"authorization_endpoint": f"{base}/qq/oauth2.0/authorize",
                   "token_endpoint": f"{base}/qq/oauth2.0/token",
                   "openid_endpoint": f"{base}/qq/oauth2.0/me",
                   "userinfo_endpoint": f"{base}/qq/user/get_user_info"},
            "weibo": {"authorization_endpoint": f"{base}/weibo/oauth2/authorize",
                      "token_endpoint": f"{base}/weibo/oauth2/access_token",
                      "userinfo_endpoint": f"{base}/weibo/2/users/show.json"},
        }
        settings = {"shop.oauth.providers": " ".join(dialects)}
        for dialect in dialects:
            client_id, secret = CLIENTS[dialect]
            settings[f"shop.oauth.{dialect}.client_id"] = client_id
            settings[f"shop.oauth.{dialect}.client_secret"] = secret
            for key, value in endpoints[dialect].items():
                settings[f"shop.oauth.{dialect}.{key}"] = value
        return settings

    # -- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        handler = ROUTES.get(request.path)
        if handler is None:
            response = Response(status=404, body=b"not found")
        else:
            response = handler(self, request)
        return response(environ, start_response)

    # -- the browser's visit: consent and redirect back -------------------------------------

    def authorize(self, dialect: str, request: Request) -> Response:
        params = request.GET
        client_key = "appid" if dialect == "wechat" else "client_id"
        client_id = params.get(client_key)
        redirect_uri = params.get("redirect_uri", "")
        if client_id != CLIENTS[dialect][0] or redirect_uri != self.redirect_uris.get(dialect):
            # A real provider shows an error page and never redirects to an unknown URI.
            return Response(status=400, body=b"unknown client or redirect_uri")
        if params.get("response_type") != "code":
            return Response(status=400, body=b"response_type must be code")
        state = params.get("state", "")
        if self.refuse:
            return _redirect(redirect_uri, {"error": "access_denied", "state": state})
        challenge = params.get("code_challenge")
        if challenge is not None and params.get("code_challenge_method") != "S256":
            return Response(status=400, body=b"only S256 is supported")
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(dialect, client_id, redirect_uri, self.person, challenge,
                                  params.get("nonce"))
        return _redirect(redirect_uri, {"code": code, "state": state})

    # -- the shop's server-to-server calls -------------------------------------------------

    def redeem(self, dialect: str, code: str | None, client_id: str | None, secret: str | None,
               redirect_uri: str | None, verifier: str | None) -> Grant | str:
        """The grant for ``code`` or the OAuth error code explaining the refusal."""
        if self.while_answering is not None:
            self.while_answering()
        if (client_id, secret) != CLIENTS[dialect]:
            return "invalid_client"
        grant = self.grants.get(code or "")
        if grant is None or grant.used or grant.dialect != dialect or grant.client_id != client_id:
            return "invalid_grant"
        grant.used = True  # a code works once, whatever happens next
        if redirect_uri is not None and redirect_uri != grant.redirect_uri:
            return "invalid_grant"
        if grant.challenge is not None:
            computed = b64url(hashlib.sha256((verifier or "").encode()).digest())
            if not hmac.compare_digest(computed, grant.challenge):
                return "invalid_grant"
        return grant

    def issue_token(self, grant: Grant) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = grant
        return token

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        person = grant.person
        claims = {"iss": self.issuer, "aud": grant.client_id, "sub": person.sub,
                  "iat": now, "exp": now + 300, "nonce": grant.nonce, "name": person.name,
                  "email": person.email, "email_verified": person.email_verified}
        claims.update(self.id_token_overrides)
        return sign_hs256(claims, CLIENTS["oidc"][1])


def _redirect(uri: str, params: dict[str, str]) -> Response:
    response = Response(status=302)
    response.location = f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}"
    return response


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(status=status, json_body=data, charset="utf-8")


def _bearer(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip()


def _basic(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return request.POST.get("client_id"), request.POST.get("client_secret")
    client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


# -- OpenID Connect --------------------------------------------------------------------------

def oidc_token(fake: FakeProvider, request: Request) -> Response:
    if request.method != "POST" or request.POST.get("grant_type") != "authorization_code":
        return _json({"error": "unsupported_grant_type"}, 400)
    client_id, secret = _basic(request)
    outcome = fake.redeem("oidc", request.POST.get("code"), client_id, secret,
                          request.POST.get("redirect_uri"), request.POST.get("code_verifier"))
    fake.calls.append(("oidc", "token", outcome if isinstance(outcome, str) else "ok"))
    if isinstance(outcome, str):
        return _json({"error": outcome}, 401 if outcome == "invalid_client" else 400)
    return _json({"access_token": fake.issue_token(outcome), "token_type": "Bearer",
                  "expires_in": 3600, "id_token": fake.id_token(outcome)})


def oidc_userinfo(fake: FakeProvider, request: Request) -> Response:
    grant = fake.tokens.get(_bearer(request))
    if grant is None:
        return _json({"error": "invalid_token"}, 401)
    person = grant.person
    return _json({"sub": person.sub, "email": person.email,
                  "email_verified": person.email_verified, "name": person.name})


# -- WeChat: errors are HTTP 200 with errcode ------------------------------------------------

def wechat_token(fake: FakeProvider, request: Request) -> Response:
    p = request.GET
    if p.get("grant_type") != "authorization_code":
        return _json({"errcode": 40002, "errmsg": "invalid grant_type"})
    outcome = fake.redeem("wechat", p.get("code"), p.get("appid"), p.get("secret"), None, None)
    fake.calls.append(("wechat", "token", outcome if isinstance(outcome, str) else "ok"))
    if isinstance(outcome, str):
        return _json({"errcode": 40029, "errmsg": "invalid code"})
    return _json({"access_token": fake.issue_token(outcome), "expires_in": 7200,
                  "refresh_token": "r", "openid": f"o-{outcome.person.sub}",
                  "scope": "snsapi_login", "unionid": f"u-{outcome.person.sub}"})


def wechat_userinfo(fake: FakeProvider, request: Request) -> Response:
    grant = fake.tokens.get(request.GET.get("access_token", ""))
    if grant is None or request.GET.get("openid") != f"o-{grant.person.sub}":
        return _json({"errcode": 40003, "errmsg": "invalid openid"})
    return _json({"openid": f"o-{grant.person.sub}", "nickname": grant.person.name, "sex": 0,
                  "unionid": f"u-{grant.person.sub}", "privilege": []})


# -- QQ: JSON with fmt=json, JSONP otherwise ---------------------------------------------------

def _qq_reply(request: Request, data: dict[str, Any]) -> Response:
    if request.GET.get("fmt") == "json":
        return _json(data)
    return Response(body=f"callback( {json.dumps(data)} );".encode(), content_type="text/html")


def qq_token(fake: FakeProvider, request: Request) -> Response:
    p = request.GET
    outcome = fake.redeem("qq", p.get("code"), p.get("client_id"), p.get("client_secret"),
                          p.get("redirect_uri"), None)
    fake.calls.append(("qq", "token", outcome if isinstance(outcome, str) else "ok"))
    if isinstance(outcome, str):
        return _qq_reply(request, {"error": 100019, "error_description": outcome})
    return _qq_reply(request, {"access_token": fake.issue_token(outcome),
                               "expires_in": 7776000, "refresh_token": "r"})


def qq_me(fake: FakeProvider, request: Request) -> Response:
    grant = fake.tokens.get(request.GET.get("access_token", ""))
    if grant is None:
        return _qq_reply(request, {"error": 100016, "error_description": "token check failed"})
    return _qq_reply(request, {"client_id": grant.client_id, "openid": f"QQ{grant.person.sub}"})


def qq_user_info(fake: FakeProvider, request: Request) -> Response:
    p = request.GET
    grant = fake.tokens.get(p.get("access_token", ""))
    if (grant is None or p.get("oauth_consumer_key") != grant.client_id
            or p.get("openid") != f"QQ{grant.person.sub}"):
        return _json({"ret": 1002, "msg": "invalid token"})
    return _json({"ret": 0, "msg": "", "nickname": grant.person.name, "gender": "男"})


# -- Weibo -------------------------------------------------------------------------------------

def weibo_token(fake: FakeProvider, request: Request) -> Response:
    p = request.POST
    if request.method != "POST":
        return _json({"error": "HTTP METHOD is not suported for this request!",
                      "error_code": 10021}, 400)
    outcome = fake.redeem("weibo", p.get("code"), p.get("client_id"), p.get("client_secret"),
                          p.get("redirect_uri"), None)
    fake.calls.append(("weibo", "token", outcome if isinstance(outcome, str) else "ok"))
    if isinstance(outcome, str):
        return _json({"error": outcome, "error_code": 21325}, 400)
    uid = str(5_000_000_000 + zlib.crc32(outcome.person.sub.encode()))
    return _json({"access_token": fake.issue_token(outcome), "expires_in": 157679999,
                  "remind_in": "157679999", "uid": uid})


def weibo_users_show(fake: FakeProvider, request: Request) -> Response:
    grant = fake.tokens.get(request.GET.get("access_token", ""))
    if grant is None:
        return _json({"error": "invalid_access_token", "error_code": 21332}, 401)
    return _json({"id": int(request.GET.get("uid", "0")), "screen_name": grant.person.name})


ROUTES = {
    "/oidc/authorize": lambda fake, request: fake.authorize("oidc", request),
    "/oidc/token": oidc_token,
    "/oidc/userinfo": oidc_userinfo,
    "/wechat/connect/qrconnect": lambda fake, request: fake.authorize("wechat", request),
    "/wechat/sns/oauth2/access_token": wechat_token,
    "/wechat/sns/userinfo": wechat_userinfo,
    "/qq/oauth2.0/authorize": lambda fake, request: fake.authorize("qq", request),
    "/qq/oauth2.0/token": qq_token,
    "/qq/oauth2.0/me": qq_me,
    "/qq/user/get_user_info": qq_user_info,
    "/weibo/oauth2/authorize": lambda fake, request: fake.authorize("weibo", request),
    "/weibo/oauth2/access_token": weibo_token,
    "/weibo/2/users/show.json": weibo_users_show,
}


@contextmanager
def serving(fake: FakeProvider) -> Iterator[FakeProvider]:
    """Serve ``fake`` on 127.0.0.1 (a free port) for as long as the block runs."""
    server = create_server(fake, host="127.0.0.1", port=0, threads=2)
    fake.base_url = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.close()
        thread.join(timeout=5)
