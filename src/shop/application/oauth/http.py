"""The few HTTP calls a login makes to a provider's servers, through ``urllib.request``.

Bounded in time and size, http(s) only; every failure becomes ``ProviderError`` so the login page
can say "try again" instead of showing a stack trace.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 10.0
MAX_BODY = 1 << 20
#: QQ's older endpoints answer ``callback( {...} );`` (JSONP) even to a server.
JSONP = re.compile(rb"^\s*callback\(\s*(?P<json>\{.*\})\s*\);?\s*$", re.S)


class ProviderError(Exception):
    """A provider could not be reached, refused the request, or answered something unusable."""


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (JSONP and form-encoded bodies are read too)."""
        body = self.body
        match = JSONP.match(body)
        if match:
            body = match.group("json")
        try:
            value = json.loads(body)
        except ValueError:
            value = None
            if b"=" in body and b"{" not in body:
                value = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        if not isinstance(value, dict):
            raise ProviderError(f"HTTP {self.status}: not a JSON object: {self.body[:200]!r}")
        return value


def _require_http(url: str) -> None:
    """Endpoints come from settings: a ``file:`` URL there must not read the server's disk."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ProviderError(f"refusing a non-HTTP URL: {url}")


class HttpClient:
    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout

    def get(self, url: str, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> HttpReply:
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
        _require_http(url)
        return self._send(urllib.request.Request(url, headers=dict(headers or {})))  # noqa: S310

    def post(self, url: str, data: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> HttpReply:
        body = urllib.parse.urlencode(data).encode()
        _require_http(url)
        request = urllib.request.Request(  # noqa: S310
            url, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> HttpReply:
        request.add_header("Accept", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return HttpReply(response.status, response.read(MAX_BODY))
        except urllib.error.HTTPError as exc:
            # Token endpoints answer 400/401 with a JSON error body worth reading.
            return HttpReply(exc.code, exc.read(MAX_BODY))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ProviderError(f"{request.full_url}: {exc}") from exc
