"""What a request carries: the acting person and the application facade bound to its transaction."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request

from shop.application import ANONYMOUS, Actor, UnitOfWork

#: Methods that never change state run in read-only transactions (on SQLite: no write lock).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def actor(request: Request) -> Actor:
    return ANONYMOUS


def shop(request: Request) -> UnitOfWork:
    """The services for this request, joined to pyramid_tm's transaction."""
    return request.registry.shop.bind(
        request.tm, request.actor, locale=request.locale_name,
        writes=request.method not in SAFE_METHODS,
    )


def includeme(config: Configurator) -> None:
    config.add_request_method(actor, "actor", reify=True)
    config.add_request_method(shop, "shop", reify=True)
