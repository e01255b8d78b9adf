"""The login-session cookie: set at login, cleared at logout; the session itself lives server-side.

With ``shop.secure_cookies`` (production.ini) the cookie is ``__Host-``-prefixed and Secure, so
only this host over HTTPS ever sees it. Whenever a session is granted, rotated or ended, the CSRF
token changes with it: a token seen before a login (or planted then) is worth nothing after.

A guest's cart is found by a second cookie holding its random token, set the same way. At every
login (password, code, OAuth, registration) ``remember`` sums the guest's cart into the shopper's
and forgets the guest cookie: one place, whichever way the shopper proved who they are.
"""

from __future__ import annotations

from pyramid.csrf import new_csrf_token
from pyramid.request import Request
from pyramid.response import Response

from shop.application.sessions.service import SessionGrant


def _secure(request: Request) -> bool:
    return str(request.registry.settings.get("shop.secure_cookies", "false")).lower() in (
        "1", "true", "yes", "on")


#: A guest cart outlives a browser session: a visitor comes back for it within the month.
GUEST_CART_MAX_AGE = 30 * 24 * 3600


def cookie_name(request: Request) -> str:
    return "__Host-shop_session" if _secure(request) else "shop_session"


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def remember(request: Request, response: Response, grant: SessionGrant) -> None:
    response.set_cookie(cookie_name(request), grant.token, max_age=grant.max_age, path="/",
                        secure=_secure(request), httponly=True, samesite="Lax")
    new_csrf_token(request)
    guest = guest_cart_token(request)
    if guest is not None and request.shop.cart.merge_at_login(guest, grant.token):
        forget_guest_cart(request, response)


def guest_cart_cookie_name(request: Request) -> str:
    return "__Host-shop_cart" if _secure(request) else "shop_cart"


def guest_cart_token(request: Request) -> str | None:
    return request.cookies.get(guest_cart_cookie_name(request)) or None


def keep_guest_cart(request: Request, response: Response, token: str) -> None:
    response.set_cookie(guest_cart_cookie_name(request), token, max_age=GUEST_CART_MAX_AGE,
                        path="/", secure=_secure(request), httponly=True, samesite="Lax")


def forget_guest_cart(request: Request, response: Response) -> None:
    response.delete_cookie(guest_cart_cookie_name(request), path="/")


def private_cookie_name(request: Request, name: str) -> str:
    """``name`` as the shop's own cookies are named: ``__Host-`` with ``shop.secure_cookies``."""
    return f"__Host-{name}" if _secure(request) else name


def keep_private_cookie(request: Request, response: Response, name: str, value: str,
                        max_age: int) -> None:
    """A cookie only this site's pages send back, which no script reads."""
    response.set_cookie(private_cookie_name(request, name), value, max_age=max_age, path="/",
                        secure=_secure(request), httponly=True, samesite="Lax")


def forget(request: Request, response: Response) -> None:
    response.delete_cookie(cookie_name(request), path="/")
    new_csrf_token(request)
