"""The login-session cookie: set at login, cleared at logout; the session itself lives server-side.

With ``shop.secure_cookies`` (production.ini) the cookie is ``__Host-``-prefixed and Secure, so
only this host over HTTPS ever sees it. Whenever a session is granted, rotated or ended, the CSRF
token changes with it: a token seen before a login (or planted then) is worth nothing after.
"""

from __future__ import annotations

from pyramid.csrf import new_csrf_token
from pyramid.request import Request
from pyramid.response import Response

from shop.application.sessions.service import SessionGrant


def _secure(request: Request) -> bool:
    return str(request.registry.settings.get("shop.secure_cookies", "false")).lower() in (
        "1", "true", "yes", "on")


def cookie_name(request: Request) -> str:
    return "__Host-shop_session" if _secure(request) else "shop_session"


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def remember(request: Request, response: Response, grant: SessionGrant) -> None:
    response.set_cookie(cookie_name(request), grant.token, max_age=grant.max_age, path="/",
                        secure=_secure(request), httponly=True, samesite="Lax")
    new_csrf_token(request)


def forget(request: Request, response: Response) -> None:
    response.delete_cookie(cookie_name(request), path="/")
    new_csrf_token(request)
