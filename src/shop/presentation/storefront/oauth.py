"""Login with a provider (/oauth/{provider}/…) and the linked accounts page (/account/oauth).

Starting a login is a GET link, not a form: the CSP's ``form-action 'self'`` would stop a form
whose answer redirects to the provider. The start only records an attempt, and the callback
accepts it only from the browser that holds the binding cookie set here.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.config import Configurator
from pyramid.events import BeforeRender, subscriber
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import exception_view_config, view_config

from shop.application import Invalid, Permission
from shop.application.oauth.callback import finish
from shop.application.oauth.errors import OAuthFailed
from shop.application.oauth.service import ATTEMPT_LIFETIME, EMAIL_TAKEN, LINKED
from shop.presentation.request import client_ip, request_transaction_closed
from shop.presentation.security import PUBLIC
from shop.presentation.sessions import guest_cart_token, remember, session_token
from shop.presentation.templating import template

log = logging.getLogger(__name__)
LINKS_PAGE = template("oauth/links.jinja2")


def _secure(request: Request) -> bool:
    return str(request.registry.settings.get("shop.secure_cookies", "false")).lower() in (
        "1", "true", "yes", "on")


def binding_cookie_name(request: Request) -> str:
    return "__Host-shop_oauth" if _secure(request) else "shop_oauth"


def _redirect_to_provider(request: Request, *, link: bool) -> HTTPSeeOther:
    provider = request.matchdict["provider"]
    start = request.shop.oauth.begin(
        provider, link=link, browser_token=request.cookies.get(binding_cookie_name(request)),
        # On the public address, never the request's Host header.
        redirect_uri=request.registry.shop.link(
            request.route_path("oauth_callback", provider=provider)))
    response = HTTPSeeOther(location=start.url)
    response.set_cookie(binding_cookie_name(request), start.browser_token, path="/",
                        max_age=int(ATTEMPT_LIFETIME.total_seconds()), httponly=True,
                        secure=_secure(request), samesite="Lax")
    return response


def _route_or_home(request: Request, name: str) -> str:
    if request.registry.introspector.get("routes", name) is not None:
        return request.route_path(name)
    return request.route_path("home")


@view_config(route_name="oauth_start", request_method="GET", permission=PUBLIC)
def oauth_start(request: Request) -> HTTPSeeOther:
    return _redirect_to_provider(request, link=False)


@view_config(route_name="oauth_callback", request_method="GET", permission=PUBLIC,
             renderer=template("oauth/email_taken.jinja2"))
def oauth_callback(request: Request) -> Any:
    # The provider's servers are asked who the person is: finish commits its own short
    # transactions around that call, and the request holds none meanwhile.
    locale = request.locale_name  # may read the shop's settings: before the block
    with request_transaction_closed(request):
        outcome = finish(
            request.registry.shop, request.matchdict["provider"], request.GET,
            browser_token=request.cookies.get(binding_cookie_name(request)),
            session_token=session_token(request), user_agent=request.user_agent,
            client_ip=client_ip(request), locale=locale)
        guest = guest_cart_token(request)
        if outcome.grant is not None and guest is not None:
            # In a short transaction of its own, like finish's: the request's only reads.
            # ``remember`` then finds the guest's cart gone and forgets its cookie.
            with request.registry.shop.transaction(locale=locale) as tx:
                tx.cart.merge_at_login(guest, outcome.grant.token)
    if outcome.kind == EMAIL_TAKEN:
        return {"outcome": outcome}
    if outcome.kind == LINKED:
        return HTTPSeeOther(location=request.route_path("oauth_links"))
    response = HTTPSeeOther(location=_route_or_home(request, "account"))
    remember(request, response, outcome.grant)
    return response


@exception_view_config(OAuthFailed, renderer=template("oauth/failed.jinja2"))
def oauth_failed(exc: OAuthFailed, request: Request) -> dict[str, Any]:
    log.warning("OAuth login failed: %s", exc.detail)
    request.response.status_int = 400
    return {"message": request.localizer.translate(exc.message)}


@view_config(route_name="oauth_links", request_method="GET", renderer=LINKS_PAGE,
             permission=Permission.ACCOUNT_SELF)
def oauth_links(request: Request) -> dict[str, Any]:
    return {"page": request.shop.oauth.links(), "errors": {}}


@view_config(route_name="oauth_link", request_method="GET", permission=Permission.ACCOUNT_SELF)
def oauth_link(request: Request) -> HTTPSeeOther:
    return _redirect_to_provider(request, link=True)


@view_config(route_name="oauth_unlink", request_method="POST", renderer=LINKS_PAGE,
             permission=Permission.ACCOUNT_SELF)
def oauth_unlink(request: Request) -> Any:
    try:
        request.shop.oauth.unlink(request.matchdict["provider"])
    except Invalid as exc:
        request.response.status_int = 400
        errors = {name: request.localizer.translate(msg) for name, msg in exc.errors.items()}
        return {"page": request.shop.oauth.links(), "errors": errors}
    return HTTPSeeOther(location=request.route_path("oauth_links"))


@subscriber(BeforeRender)
def provider_buttons(event: BeforeRender) -> None:
    """``oauth_providers()`` for ``oauth/buttons.jinja2``: (name, label) of each enabled one."""
    request = event.get("request")
    if request is None:
        return
    event.setdefault("oauth_providers", lambda: [
        (p.name, request.localizer.translate(p.label))
        for p in request.shop.oauth.enabled_providers()])


def includeme(config: Configurator) -> None:
    # Starting records an attempt: its GET writes. The callback's writes happen in the short
    # transactions of ``finish``; the request's own transaction only reads.
    config.add_route("oauth_start", r"/oauth/{provider:[a-z][a-z0-9_]*}/start",
                     writes_on_get=True)
    config.add_route("oauth_callback", r"/oauth/{provider:[a-z][a-z0-9_]*}/callback")
    config.add_route("oauth_links", "/account/oauth")
    config.add_route("oauth_link", r"/account/oauth/{provider:[a-z][a-z0-9_]*}/link",
                     writes_on_get=True)
    config.add_route("oauth_unlink", r"/account/oauth/{provider:[a-z][a-z0-9_]*}/unlink")
