"""What a request carries: the application facade bound to its transaction and its actor.

Whether the unit of work may write is decided per request: any unsafe method does, and so does a
GET to a route declared ``writes_on_get=True`` (starting an OAuth login records the attempt);
a route declared ``reads_only=True`` never does, a POST included (a gateway's return, which
writes through transactions of its own around a call to the gateway).
On SQLite a writing unit of work takes the write lock up front (``BEGIN IMMEDIATE``); a read-only
one begins a deferred transaction that never blocks a writer, and would fail with "database is
locked" if it tried to write after all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyramid.config import Configurator
from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request

from shop.application import Actor, UnitOfWork
from shop.presentation.sessions import session_token

#: Methods that never change state run in read-only transactions (on SQLite: no write lock).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WritesOnGet:
    """Route predicate ``writes_on_get=True``: matches as if absent, and marks a route whose
    GET requests write, so that they run in writing transactions."""

    def __init__(self, value: bool, config: Configurator) -> None:
        self.value = bool(value)

    def text(self) -> str:
        return f"writes_on_get = {self.value}"

    phash = text

    def __call__(self, info: Any, request: Request) -> bool:
        return True


class ReadsOnly(WritesOnGet):
    """Route predicate ``reads_only=True``: the request's own unit of work never writes."""

    def text(self) -> str:
        return f"reads_only = {self.value}"

    phash = text


def writes(request: Request) -> bool:
    """Whether this request's unit of work may write."""
    route = _route(request)
    predicates = route.predicates if route is not None else ()
    if any(isinstance(p, ReadsOnly) and p.value for p in predicates):
        return False
    if request.method not in SAFE_METHODS:
        return True
    return any(type(p) is WritesOnGet and p.value for p in predicates)


#: The header the shop's app and mini program send to say where the visitor is.
CHANNEL_HEADER = "X-Shop-Channel"
#: Words of a phone's or tablet's browser in its User-Agent (a WeChat mini program's web view
#: says ``miniProgram``).
_MOBILE_AGENTS = ("Mobi", "Android", "iPhone", "iPad")


def channel(request: Request) -> str:
    """Where the visitor shops from, for campaigns limited to a channel: the app or mini
    program that says so, a phone's browser (``mobile``), else ``web``."""
    said = request.headers.get(CHANNEL_HEADER, "")
    if said in ("app", "mini_program"):
        return said
    agent = request.user_agent or ""
    if "miniProgram" in agent:
        return "mini_program"
    return "mobile" if any(word in agent for word in _MOBILE_AGENTS) else "web"


def _route(request: Request) -> Any:
    # The unit of work is usually made before routing (pyramid_tm asks who is acting first),
    # so the route is looked up here when the router has not matched it yet.
    route = getattr(request, "matched_route", None)
    if route is not None:
        return route
    try:
        return request.registry.getUtility(IRoutesMapper)(request)["route"]
    except UnicodeDecodeError:  # an undecodable path is refused before any view runs
        return None


def shop(request: Request) -> UnitOfWork:
    """The services for this request, joined to pyramid_tm's transaction, acting as the visitor
    in the visitor's language."""
    uow = request.registry.shop.bind(
        request.tm, session_token=session_token(request), writes=writes(request),
        client_ip=client_ip(request), channel=channel(request),
    )
    # Negotiating the language may read the base settings through this very unit of work.
    request.__dict__["shop"] = uow
    uow.locale = request.locale_name
    return uow


@contextmanager
def request_transaction_closed(request: Request) -> Iterator[None]:
    """Within the block the request holds no database transaction, for a view that hands its
    work to an application entry point running its own short transactions around a network call
    (the database is not held while the network answers).

    What the request read so far (who is asking, its language) is committed first; a new
    transaction begins after the block, so the page is rendered and pyramid_tm ends the request
    as usual. Read everything the view needs from the request before the block.
    """
    request.tm.commit()
    try:
        yield
    finally:
        request.tm.begin()


def client_ip(request: Request) -> str | None:
    """The visitor's address for audit and per-address limits, or None when it is no address.

    The connection's address (``REMOTE_ADDR``), never ``X-Forwarded-For``, which any visitor
    writes as they please (WebOb's ``client_addr`` trusts it: a new value per request escaped
    every per-address limit). Behind a proxy, waitress's ``trusted_proxy`` settings
    (production.ini) rewrite ``REMOTE_ADDR`` from the headers of that proxy only. An IPv6 zone is
    dropped, so the address fits the columns that keep it.
    """
    try:
        return str(ipaddress.ip_address((request.remote_addr or "").partition("%")[0]))
    except ValueError:
        return None


def actor(request: Request) -> Actor:
    return request.shop.actor


def includeme(config: Configurator) -> None:
    config.add_route_predicate("writes_on_get", WritesOnGet)
    config.add_route_predicate("reads_only", ReadsOnly)
    config.add_request_method(shop, "shop", reify=True)
    config.add_request_method(actor, "actor", reify=True)
