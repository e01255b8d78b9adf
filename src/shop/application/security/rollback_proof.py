"""Writes that outlive the caller's rollback: a failed login, a wrong code.

A guess must be counted whatever the caller does next. A use case that refuses a password raises
``Invalid``, and in a script (``with shop.transaction(): …``) or a request whose view lets the
error propagate, raising rolls the unit of work back, the count with it: a guesser who makes
every try roll back would never be throttled.

Where the database allows it (PostgreSQL through an engine: ``shop.data.commits_apart``) such a
write is made once, at once, in a short transaction of its own on another connection that
commits before the caller goes on. It is therefore durable before the caller's transaction ends,
so before that transaction releases the throttle's per-key locks (``Throttle``): the next
request for the same key sees it, whether this one commits, rolls back or rolls back a savepoint.

Elsewhere it is made twice over: now, in the unit of work (a caller that commits, as the web
forms do, keeps it there and counts it at once), and, should that transaction abort instead, once
more after the rollback, in a short transaction of its own (the ``transaction`` package's
after-abort hook). The second write starts only after the first transaction's connection was
rolled back and released, so on SQLite it never waits for a write lock its own caller holds; on a
connection shared through savepoints (tests) it is one more savepoint after the first was rolled
back. There, a ``transaction.savepoint()`` rolled back inside a block that then commits does undo
the write: nothing aborts, so nothing writes it again. And on SQLite a parallel request that
takes the write lock between the rollback and the second write does not see the write (a caller
that commits, as the web forms do, leaves no such gap).

A write is a function of a unit of work, so it runs the same way in every place; it must be
complete in itself (it may not rely on rows the caller's transaction wrote), and it may not
change rows the caller's transaction changed (on its own connection it would wait for them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import transaction as transaction_package

from shop.data import transaction_manager_of

if TYPE_CHECKING:
    from shop.application import Shop, UnitOfWork
    from shop.application.actors import Actor

log = logging.getLogger(__name__)

#: A write made in the given unit of work.
Write = Callable[["UnitOfWork"], None]


def write_rollback_proof(uow: UnitOfWork, write: Write) -> None:
    """Make ``write`` so that no rollback of ``uow`` undoes it: committed apart at once where
    the database allows, else in ``uow`` now and again on its own if ``uow``'s transaction
    aborts."""
    if uow.shop.commits_apart:
        _write_apart(uow.shop, uow.actor, uow.client_ip, uow.locale, write)
        return
    write(uow)
    transaction_manager_of(uow._session).get().addAfterAbortHook(
        _write_again, args=(uow.shop, uow.actor, uow.client_ip, uow.locale, write))


def _write_apart(shop: Shop, actor: Actor, client_ip: str | None, locale: str,
                 write: Write) -> None:
    """The write in a transaction of its own, committed when this returns, for the same actor
    and address."""
    manager = transaction_package.TransactionManager(explicit=True)
    with manager:
        write(shop.bind(manager, actor, client_ip=client_ip, locale=locale))


def _write_again(shop: Shop, actor: Actor, client_ip: str | None, locale: str,
                 write: Write) -> None:
    """After-abort hook: the write in a transaction of its own.

    A failure here is logged and swallowed: the caller's own exception is the one to see.
    """
    try:
        _write_apart(shop, actor, client_ip, locale, write)
    except Exception:
        log.exception("a write that had to outlive its transaction's rollback was lost")
