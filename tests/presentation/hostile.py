"""Hostile requests, sent straight to the WSGI app, and what every answer to them must be.

WebTest's cookie jar decodes each request's URL, so it cannot send a path that is not UTF-8 along
with cookies; these requests are built with WebOb, cookies in their header, values exactly as
given (already percent-encoded where a browser would encode them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from webob import Request, Response

from shop.application import Shop, UnitOfWork
from shop.application.sessions.service import LoginSessions
from tests import shoppers
from tests import staff_factories as sf

#: Values as they appear in a URL or a form body, each aimed at a way parsing can break.
VALUES = (
    "%ff%fe",                    # not UTF-8
    "%c0%af",                    # an overlong encoding of "/"
    "%ed%a0%80",                 # a lone surrogate, which UTF-8 forbids
    "9" * 30,                    # beyond any integer or money column
    "-1",
    "0",
    "%c2%b2",                    # "²": a digit to str.isdigit(), not to int()
    "%d9%a3",                    # "٣": a digit to int() and to a \d pattern
    "%0d%0aX-Injected:%201",     # CR LF: a header split
    "%00",                       # NUL, which PostgreSQL refuses in text
    "%",                         # a lone percent sign
    "%25_%5c",                   # LIKE wildcards and its escape character
    "x" * 3000,                  # longer than any field
    "..%2f..%2fetc%2fpasswd",
    "%3cscript%3ealert(1)%3c%2fscript%3e",
    "9999-12-31",
    "0001-01-01",
    "shopper:" + "9" * 20,
    "1e999",
    "NaN",
    "%e2%80%ae%f0%9f%98%80",    # a right-to-left override, an emoji
    "a%26b%3dc",                 # an encoded & and =
)
#: Anything the security headers tween did not see was answered by the server, not the shop.
SHOP_HEADER = "Content-Security-Policy"
CSRF_TOKEN = "hostile-walk-csrf-token"


def send(wsgi_app: Any, method: str, path: str, fields: Iterable[tuple[str, str]] = (), *,
         session: str | None = None, headers: Mapping[str, str] | None = None,
         body: bytes | None = None,
         content_type: str = "application/x-www-form-urlencoded") -> Response:
    """``fields`` (encoded already) in the query string of a GET, the form body of a POST; a
    POST carries a CSRF token the cookie and the form agree on, so the view itself runs."""
    encoded = "&".join(f"{name}={value}" for name, value in fields)
    cookies = [f"csrf_token={CSRF_TOKEN}"] + ([f"shop_session={session}"] if session else [])
    environ = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "203.0.113.66",
               "HTTP_ACCEPT_LANGUAGE": "zh-CN", "HTTP_COOKIE": "; ".join(cookies)}
    if method == "GET":
        if encoded:
            path = f"{path}{'&' if '?' in path else '?'}{encoded}"
        request = Request.blank(path, environ=environ, method="GET")
    else:
        request = Request.blank(path, environ=environ, method=method)
        request.body = body if body is not None else (
            f"csrf_token={CSRF_TOKEN}&{encoded}".encode("latin-1"))
        request.environ["CONTENT_TYPE"] = content_type
    for name, value in (headers or {}).items():
        request.headers[name] = value
    return request.get_response(wsgi_app)


class Visitors:
    """An anonymous visitor, a shopper and an administrator, for requests sent with ``send``."""

    KINDS = ("anonymous", "shopper", "administrator")

    def __init__(self, shop: Shop, system: UnitOfWork) -> None:
        self.system = system
        self.shopper_id = shoppers.new_customer(shop)
        admin = sf.staff(system, ["administrator"], username="hostile_admin")
        self.principals = {"shopper": ("customer", self.shopper_id),
                           "administrator": ("staff", admin.id)}

    def session(self, kind: str) -> str | None:
        """A new login session of ``kind`` (a logout ends the one before); None if anonymous."""
        if kind not in self.principals:
            return None
        grant = LoginSessions(self.system).begin(*self.principals[kind])
        self.system._session.flush()  # the app reads it through its own session
        return grant.token


def failure(wsgi_app: Any, method: str, path: str, fields: Iterable[tuple[str, str]] = (), *,
            session: str | None = None) -> str | None:
    """What is wrong with the shop's answer to a hostile request (see ``send``), or None."""
    try:
        response = send(wsgi_app, method, path, fields, session=session)
    except Exception as exc:  # what the server would answer with its own bare 500 page
        return f"raised {exc!r}"[:200]
    if response.status_int >= 500:
        return f"answered {response.status}"
    if SHOP_HEADER not in response.headers:
        return "answered without the security headers"
    return None


def url_for(pattern: str, **values: str) -> str:
    """A URL of the route ``pattern``: each placeholder given in ``values``, else a harmless
    value (a number where the route wants digits, a word otherwise)."""
    def fill(match: re.Match[str]) -> str:
        name, regex = match.group(1), match.group(2) or ""
        if name in values:
            return values[name]
        return "1" if regex == "[0-9]+" or name.endswith("id") else "oidc"
    return re.sub(r"\{(\w+)(?::([^}]*))?\}", fill, pattern)


def placeholders(pattern: str) -> list[str]:
    return re.findall(r"\{(\w+)(?::[^}]*)?\}", pattern)


def walked_views(wsgi_app: Any) -> list[tuple[str, str, str, str | None]]:
    """(route name, pattern, method, permission) of every view of a route, static assets
    included; a view that takes any method is walked with GET and POST."""
    introspector = wsgi_app.registry.introspector
    found = set()
    for route in introspector.get_category("routes"):
        intr = route["introspectable"]
        pattern = "/" + intr["pattern"].lstrip("/")
        for view in route["related"]:
            if view.category_name != "views":
                continue
            methods = view["request_methods"] or ("GET", "POST")
            permission = next((r["value"] for r in introspector.related(view)
                               if r.category_name == "permissions"), None)
            for method in {methods} if isinstance(methods, str) else set(methods):
                if method in ("GET", "POST"):
                    found.add((intr["name"], pattern, method, permission))
    return sorted(found, key=lambda view: view[:3])


def path_with(pattern: str, **values: str) -> str:
    """``hostile.url_for``, with a static route's ``*subpath`` filled as well."""
    return re.sub(r"\*(\w+)$", lambda m: values.get(m.group(1), "shop.css"),
                  url_for(pattern, **values))


def path_names(pattern: str) -> list[str]:
    return placeholders(pattern) + re.findall(r"\*(\w+)$", pattern)
