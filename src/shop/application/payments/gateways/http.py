"""The calls an adapter makes to its gateway (pay, query, close, refund, statements).

An adapter is given a ``Transport``: ``UrllibTransport`` in production (bounded in time and size,
http(s) only), ``WsgiTransport`` to run a simulator in-process (tests, and ``make run`` when
the simulators are mounted). Every failure to get an answer becomes ``GatewayUnavailable``.
"""

from __future__ import annotations

import io
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shop.application.payments.gateways.port import GatewayUnavailable

TIMEOUT_SECONDS = 15.0
MAX_BODY = 8 << 20  # a day's statement can be large


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes


Transport = Callable[[Call], Reply]


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value by case-insensitive name ("" when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


class UrllibTransport:
    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout

    def __call__(self, call: Call) -> Reply:
        if urllib.parse.urlsplit(call.url).scheme not in ("http", "https"):
            raise GatewayUnavailable(f"refusing a non-HTTP URL: {call.url}")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            call.url, data=call.body if call.method != "GET" else None, method=call.method,
            headers=dict(call.headers))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Reply(response.status, _lower(response.headers.items()),
                             response.read(MAX_BODY))
        except urllib.error.HTTPError as exc:  # 4xx/5xx still carry the gateway's error body
            return Reply(exc.code, _lower(exc.headers.items()), exc.read(MAX_BODY))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GatewayUnavailable(f"{call.url}: {exc}") from exc


class WsgiTransport:
    """Send calls to a WSGI application in this process, as a server would deliver them."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, call: Call) -> Reply:
        parts = urllib.parse.urlsplit(call.url)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": call.method, "SCRIPT_NAME": "",
            "PATH_INFO": urllib.parse.unquote(parts.path or "/"), "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": parts.scheme or "http",
            "wsgi.input": io.BytesIO(call.body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(call.body)),
        }
        for name, value in call.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            answer["status"], answer["headers"] = int(status.split()[0]), headers
            return lambda chunk: None

        try:
            chunks = self.app(environ, start_response)
            try:
                body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except GatewayUnavailable:
            raise
        except Exception as exc:  # the in-process "server" failing is an unreachable gateway
            raise GatewayUnavailable(f"{call.url}: {exc}") from exc
        return Reply(answer["status"], _lower(answer["headers"]), body)


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}
