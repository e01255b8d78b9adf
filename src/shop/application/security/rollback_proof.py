"""Writes that outlive the caller's rollback: a failed login, a wrong code.

A guess must be counted whatever the caller does next. A use case that refuses a password raises
``Invalid``, and in a script (``with shop.transaction(): …``) or a request whose view lets the
error propagate, raising rolls the unit of work back, the count with it: a guesser who makes
every try roll back would never be throttled.

So such a write is made twice over: now, in the unit of work (a caller that commits, as the web
forms do, keeps it there and counts it at once), and, should that transaction abort instead, once
more after the rollback, in a short transaction of its own (the ``transaction`` package's
after-abort hook). The second write starts only after the first transaction's connection was
rolled back and released, so on SQLite it never waits for a write lock its own caller holds; on a
connection shared through savepoints (tests) it is one more savepoint after the first was rolled
back.

A write is a function of a unit of work, so it runs the same way in both places; it must be
complete in itself (it may not rely on rows the rolled-back transaction wrote).
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
    """Make ``write`` in ``uow`` now, and again on its own if ``uow``'s transaction aborts."""
    write(uow)
    transaction_manager_of(uow._session).get().addAfterAbortHook(
        _write_again, args=(uow.shop, uow.actor, uow.client_ip, uow.locale, write))


def _write_again(shop: Shop, actor: Actor, client_ip: str | None, locale: str,
                 write: Write) -> None:
    """After-abort hook: the write in a transaction of its own, for the same actor and address.

    A failure here is logged and swallowed: the caller's own exception is the one to see.
    """
    manager = transaction_package.TransactionManager(explicit=True)
    try:
        with manager:
            write(shop.bind(manager, actor, client_ip=client_ip, locale=locale))
    except Exception:
        log.exception("a write that had to outlive its transaction's rollback was lost")
