"""What a request carries: the application facade bound to its transaction and its actor."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request

from shop.application import Actor, UnitOfWork
from shop.presentation.sessions import session_token

#: Methods that never change state run in read-only transactions (on SQLite: no write lock).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def shop(request: Request) -> UnitOfWork:
    """The services for this request, joined to pyramid_tm's transaction, acting as the visitor
    in the visitor's language."""
    uow = request.registry.shop.bind(
        request.tm, session_token=session_token(request),
        writes=request.method not in SAFE_METHODS, client_ip=request.client_addr,
    )
    # Negotiating the language may read the base settings through this very unit of work.
    request.__dict__["shop"] = uow
    uow.locale = request.locale_name
    return uow


def actor(request: Request) -> Actor:
    return request.shop.actor


def includeme(config: Configurator) -> None:
    config.add_request_method(shop, "shop", reify=True)
    config.add_request_method(actor, "actor", reify=True)
