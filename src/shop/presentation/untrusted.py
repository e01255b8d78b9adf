"""Untrusted input, refused or tamed before the rest of the web tier reads it: hostile input is
answered 4xx, never 5xx.

WebOb raises when it decodes a path or a query string that is not UTF-8, and routing, the views
and the error page itself all read them; a form body it cannot parse raises too; and PostgreSQL
refuses text holding a NUL character wherever it meets one. So one tween looks at each request
once, before routing, and answers text that is not UTF-8 or holds a NUL with a 400 (a body of
``MAX_BODY_BYTES`` or more with a 413, except on an upload route: ``allow_upload``) in the
visitor's language. The error page is drawn for
the request with the offending parts taken out, so it cannot trip over them in turn.

Also here: where a ``came_from`` value may send the visitor, and how much of a refused form is
shown back to them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPException, HTTPRequestEntityTooLarge
from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import EXCVIEW

#: A request body this large or larger is refused, except on an upload route.
MAX_BODY_BYTES = 1024 * 1024
#: The largest body an upload route takes (``allow_upload``: a 5 MiB product image and the
#: form around it) and so the largest waitress reads at all: the ini files give it as
#: ``max_request_body_size``, which also covers bodies sent without a Content-Length.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024 + 64 * 1024
#: Longest ``came_from`` followed; a longer one is no page of this shop.
MAX_TARGET_LENGTH = 2000
#: Longest text a refused form shows back: longer than any field accepts, so nothing valid is
#: cut, and a megabyte posted is not a megabyte sent back.
MAX_ECHO_LENGTH = 300
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
#: Characters a redirect target keeps as they are; anything else (non-ASCII) is percent-encoded.
_URL_SAFE = "/?&=%#:+,;@!$'()*~[]-._"


def request_guard_tween(handler: Callable[[Request], Response], registry: Any
                        ) -> Callable[[Request], Response]:
    def tween(request: Request) -> Response:
        refusal = refusal_for(request)
        if refusal is not None:
            raise refusal  # to the exception views, which draw the page
        return handler(request)
    return tween


def refusal_for(request: Request) -> HTTPException | None:
    """The 4xx for a request the app cannot read, or None; the request is left readable."""
    environ = request.environ
    refusal: HTTPException | None = None
    if not _is_text(_wsgi_bytes(environ.get("PATH_INFO", ""))):
        environ["PATH_INFO"] = "/"
        refusal = HTTPBadRequest()
    if not _is_text(_wsgi_bytes(environ.get("QUERY_STRING", "")), quoted=True):
        environ["QUERY_STRING"] = ""
        refusal = HTTPBadRequest()
    body_refusal = _body_refusal(request)
    if body_refusal is not None:
        request.content_type = URLENCODED
        request.body = b""
        environ.pop("webob._parsed_post_vars", None)
        refusal = body_refusal
    return refusal


def allow_upload(config: Configurator, route_name: str, max_bytes: int) -> None:
    """Let POSTs to ``route_name`` send a body below ``max_bytes`` (at most
    ``MAX_UPLOAD_BYTES``, which the server reads) instead of ``MAX_BODY_BYTES``."""
    limits = config.registry.__dict__.setdefault("shop_upload_limits", {})
    limits[route_name] = min(max_bytes, MAX_UPLOAD_BYTES)


def body_limit(request: Request) -> int:
    """The size a request's body stays below: ``MAX_BODY_BYTES``, or an upload route's own.
    Routes are matched only for a body above the common limit, which few requests send."""
    limits = getattr(request.registry, "shop_upload_limits", None)
    if limits and request.method == "POST":
        mapper = request.registry.getUtility(IRoutesMapper)
        for route in mapper.get_routes():
            if route.name in limits and route.match(request.path_info) is not None:
                return int(limits[route.name])
    return MAX_BODY_BYTES


def _body_refusal(request: Request) -> HTTPException | None:
    length = request.content_length
    if length is not None and (length < 0 or (
            length >= MAX_BODY_BYTES and length >= body_limit(request))):
        return HTTPRequestEntityTooLarge() if length > 0 else HTTPBadRequest()
    content_type = request.content_type
    is_form = content_type in (URLENCODED, MULTIPART) or (
        request.method == "POST" and not content_type)
    if not is_form:
        return None
    if content_type != MULTIPART and not _is_text(request.body, quoted=True):
        return HTTPBadRequest()
    try:
        fields = request.POST.items()  # parsed now, so that no view meets the error
    except Exception:  # a broken multipart body, a charset other than UTF-8 …
        return HTTPBadRequest()
    if any("\x00" in text for item in fields for text in item if isinstance(text, str)):
        return HTTPBadRequest()  # a multipart field (an uploaded file's content is not text)
    return None


def _wsgi_bytes(text: str) -> bytes | None:
    """The bytes a WSGI string stands for (the server hands them over as Latin-1)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _is_text(raw: bytes | None, *, quoted: bool = False) -> bool:
    """Whether ``raw`` is UTF-8 without a NUL once percent-decoded (if ``quoted``).

    Decoding a whole query string at once tells the same as decoding each field: the ``&`` and
    ``=`` between fields are ASCII, which never occurs inside a multi-byte character.
    """
    if raw is None:
        return False
    decoded = unquote_to_bytes(raw) if quoted else raw
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in decoded


def safe_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``: never an open redirect, never
    a header split. Non-ASCII characters come back percent-encoded, ready for a Location."""
    if (not target or len(target) > MAX_TARGET_LENGTH or not target.startswith("/")
            or target.startswith(("//", "/\\")) or "\\" in target
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return default
    return quote(target, safe=_URL_SAFE)


def echoed(values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values as a refused form may show them back: text cut at ``MAX_ECHO_LENGTH``."""
    return {key: value[:MAX_ECHO_LENGTH] if isinstance(value, str) else value
            for key, value in values.items()}


def includeme(config: Configurator) -> None:
    config.add_directive("allow_upload", allow_upload)
    # Under the exception views: the refusal is drawn by them, inside the request's transaction.
    config.add_tween("shop.presentation.untrusted.request_guard_tween", under=EXCVIEW)
