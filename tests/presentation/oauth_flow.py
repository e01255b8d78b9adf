"""Driving a login round trip through the shop and the fake provider, as a browser would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import webtest

from tests.fakes.oidc_provider import CLIENTS, FakeProvider, Person

#: The public address the tests' settings give the shop (tests/conftest.py).
PUBLIC_URL = "https://shop.example"


def reset(fake: FakeProvider) -> FakeProvider:
    """A fresh fake (same server) whose registered redirect URIs are the shop's public ones."""
    fake.redirect_uris = {d: f"{PUBLIC_URL}/oauth/{d}/callback" for d in CLIENTS}
    fake.person = Person("person-1", "li.lei@example.com")
    fake.refuse = False
    fake.id_token_overrides.clear()
    fake.grants.clear()
    fake.tokens.clear()
    fake.calls.clear()
    fake.while_answering = None
    return fake


def local(url: str) -> str:
    """Path and query of ``url`` (WebTest apps take those), without a fragment."""
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def at_provider(fake: FakeProvider, authorize_url: str) -> webtest.TestResponse:
    """The browser's visit to the provider's page: the fake consents and redirects back."""
    return webtest.TestApp(fake, extra_environ={"HTTP_HOST": "127.0.0.1"}).get(
        local(authorize_url), status="*")


def callback_url(app: webtest.TestApp, fake: FakeProvider, start_path: str,
                 tamper: Callable[[dict[str, str]], None] | None = None) -> str:
    """Start at the shop, visit the provider; the URL the provider sends the browser back to.

    ``tamper`` may change the authorization request's parameters on the way to the provider.
    """
    start = app.get(start_path, status=303)
    authorize_url = start.location
    if tamper is not None:
        parts = urlsplit(authorize_url)
        params = dict(parse_qsl(parts.query))
        tamper(params)
        authorize_url = urlunsplit(parts._replace(query=urlencode(params)))
    consent = at_provider(fake, authorize_url)
    assert consent.status_int == 302, consent.text
    return local(consent.location)


def sign_in(app: webtest.TestApp, fake: FakeProvider, provider: str = "oidc",
            **kwargs: Any) -> webtest.TestResponse:
    url = callback_url(app, fake, f"/oauth/{provider}/start", **kwargs)
    return app.get(url, headers={"Accept-Language": "en"}, status="*")


def with_param(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return urlunsplit(parts._replace(query=urlencode(params)))
