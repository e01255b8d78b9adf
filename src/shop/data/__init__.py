"""Persistence: engines, sessions joined to the ``transaction`` package, models, migrations.

Only this tier speaks SQLAlchemy. The application tier asks it for a session bound to a
transaction manager and hands that session to repositories.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import transaction as transaction_package
import zope.sqlalchemy
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy import inspect as inspect_instance
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from shop.data.models.base import STAMP

#: Execution option that asks SQLite for ``BEGIN IMMEDIATE`` (take the write lock up front).
WRITE_INTENT = "shop_write_intent"


def make_engine(url: str, **options: Any) -> Engine:
    """Create the engine for ``url`` with the settings the shop relies on."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **options)
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


class _GatedConnection(sqlite3.Connection):
    """A pysqlite connection that gives the process's writer gate back once its transaction
    has really ended (SQLAlchemy's commit event fires before the COMMIT)."""

    gate: threading.Lock
    holds_gate = False

    def _give_back(self) -> None:
        if self.holds_gate:
            self.holds_gate = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


def _sqlite_engine(url: str, **options: Any) -> Engine:
    """An embedded engine that serves many readers and one writer without 'database is locked'.

    WAL lets readers run beside the writer; transactions that will write begin IMMEDIATE, so two
    writers never both hold a read lock and deadlock on the upgrade (SQLite answers that case
    with SQLITE_BUSY at once, whatever the timeout). Writers of one process queue at a gate
    (a lock handed from one to the next the moment a transaction ends) rather than in SQLite's
    busy handler, which polls with sleeps of up to 100 ms: under a burst of checkouts the write
    lock would sit idle between writers while the queue outwaited the timeout. The busy timeout
    still makes a writer of another process (a console job) wait instead of failing.
    """
    busy_ms = int(options.pop("busy_timeout_ms", 15000))
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    gated = type("GatedConnection", (_GatedConnection,), {"gate": threading.Lock()})
    connect_args = options.setdefault("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("factory", gated)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN, so savepoints and IMMEDIATE both work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if ":memory:" not in url:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(WRITE_INTENT):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        # Past the timeout the writer goes on to BEGIN IMMEDIATE and SQLite's own wait.
        if isinstance(dbapi_connection, _GatedConnection) and \
                dbapi_connection.gate.acquire(timeout=busy_ms / 1000):
            dbapi_connection.holds_gate = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if isinstance(dbapi_connection, _GatedConnection):
                dbapi_connection._give_back()
            raise

    return engine


def make_session_factory(bind: Engine | Connection) -> sessionmaker[Session]:
    """Sessions for ``bind``; on a Connection (tests) they use savepoints inside its transaction."""
    if isinstance(bind, Connection):
        return sessionmaker(bind=bind, join_transaction_mode="create_savepoint")
    return sessionmaker(bind=bind)


def commits_apart(bind: Engine | Connection) -> bool:
    """Whether a short transaction may commit on a connection of its own while a unit of work
    of the same thread is still open on ``bind``.

    Only PostgreSQL through an engine: its row-level locks let another connection insert at
    once. SQLite's one writer would wait for the caller's own write lock, and a single
    Connection (tests) would commit out of the savepoint its test rolls back.
    """
    return isinstance(bind, Engine) and bind.dialect.name == "postgresql"


#: ``Session.info`` key of the callable that tells the shop's time (see ``stamp_timestamps``).
CLOCK = "shop_clock"
#: ``Session.info`` key of the transaction manager the session's commit follows.
TRANSACTION_MANAGER = "shop_transaction_manager"


def open_session(
    factory: sessionmaker[Session],
    transaction_manager: transaction_package.TransactionManager,
    *,
    now: Callable[[], datetime],
    writes: bool = True,
) -> Session:
    """A session whose commit and abort follow ``transaction_manager`` (pyramid_tm or a script).

    ``now`` is the shop's clock: the session stamps timestamp columns from it. ``writes=False``
    marks a read-only unit of work: on SQLite it begins a plain deferred transaction that never
    blocks writers.
    """
    session = factory(info={CLOCK: now, TRANSACTION_MANAGER: transaction_manager})
    bind = session.get_bind()
    if writes and isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        session.bind = bind.execution_options(**{WRITE_INTENT: True})
    zope.sqlalchemy.register(session, transaction_manager=transaction_manager)
    return session


def transaction_manager_of(session: Session) -> transaction_package.TransactionManager:
    """The manager whose transaction ``session`` commits with (for hooks on that transaction)."""
    manager: transaction_package.TransactionManager = session.info[TRANSACTION_MANAGER]
    return manager


@event.listens_for(Session, "before_flush")
def stamp_timestamps(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Fill the columns models declare with ``stamped()`` from the session's clock.

    An insert gets every stamped column left empty; an update refreshes the ``on_update`` ones.
    A session without a clock cannot write stamped rows: time has one source.
    """
    pending = [(obj, False) for obj in session.new]
    pending += [(obj, True) for obj in session.dirty if session.is_modified(obj)]
    if not pending:
        return
    now: datetime | None = None
    for obj, updating in pending:
        for attribute in inspect_instance(obj).mapper.column_attrs:
            kind = attribute.columns[0].info.get(STAMP)
            if kind is None or (updating and kind != "update"):
                continue
            if not updating and getattr(obj, attribute.key) is not None:
                continue
            if now is None:
                clock = session.info.get(CLOCK)
                if clock is None:
                    raise RuntimeError("this session has no clock (open it with open_session)")
                now = clock()
            setattr(obj, attribute.key, now)
