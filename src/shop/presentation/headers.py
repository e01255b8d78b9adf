"""Headers every response carries: a strict Content-Security-Policy and the other security
headers, and ``Cache-Control: no-store`` on whatever may show personal data.

The tween is the outermost one, so the rule holds for every answer the app gives, error pages and
the last-resort 500 page included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import INGRESS

from shop.presentation.sessions import guest_cart_token, session_token


def content_security_policy(form_targets: Iterable[str] = ()) -> str:
    """The policy; ``form_targets`` are sources a page's forms may also be sent to (a payment
    gateway's page), or redirected to after sending: browsers hold a form's redirect to
    ``form-action`` too."""
    return "; ".join([
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        " ".join(["form-action 'self'", *form_targets]),
        "frame-ancestors 'none'",
    ])


CSP = content_security_policy()

#: Pages under these paths are someone's own (account, back office, a login under way, a cart).
PERSONAL_PATHS = ("/account", "/admin", "/oauth", "/cart")


def security_headers_tween(handler: Callable[[Request], Response], registry: object
                           ) -> Callable[[Request], Response]:
    def tween(request: Request) -> Response:
        response = handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.scheme == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if is_personal(request, response):
            response.cache_control.public = False
            response.cache_control.max_age = None
            response.cache_control.no_store = True
        return response

    return tween


def is_personal(request: Request, response: Response) -> bool:
    """Whether a cache, shared or private, must not keep ``response``.

    Any page under a personal path; and any page for a signed-in visitor or a guest with a cart
    (its header shows who they are, or their cart's size) unless its view declared it
    cacheable, as static assets and the region table do.
    """
    if request.environ.get("PATH_INFO", "").startswith(PERSONAL_PATHS):
        return True
    declared = response.cache_control.public or response.cache_control.max_age is not None
    return not declared and (_signed_in(request) or guest_cart_token(request) is not None)


def _signed_in(request: Request) -> bool:
    # The actor is known by now in any request that went through the transaction (pyramid_tm
    # asks for it first); a session cookie alone counts too, valid or not.
    actor = request.__dict__.get("actor")
    return (actor is not None and actor.kind != "anonymous") or session_token(request) is not None


def includeme(config: Configurator) -> None:
    config.add_tween("shop.presentation.headers.security_headers_tween", under=INGRESS)
