"""A shop whose units of work really commit (on the test database's engine), for the tests
where several threads or processes must see each other's commits; and removing what such a
test wrote, so the rolled-back tests that follow start from the same database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from shop.data.models.ledger import APPEND_ONLY_DDL

#: Children first, so no foreign key stops a delete.
TABLES = ("ledger_entry", "ledger_account", "event_delivery", "domain_event", "outbox_message",
          "audit_entry", "web_session", "customer")


@contextmanager
def cleaned(engine: Engine) -> Iterator[None]:
    """Delete every row the block added to ``TABLES`` (rows above each table's highest id)."""
    with engine.connect() as connection:
        highest = {table: connection.execute(text(
            f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar()  # noqa: S608 (fixed names)
            for table in TABLES if table != "web_session"}
    try:
        yield
    finally:
        with engine.begin() as connection, journal_unlocked(connection):
            connection.execute(text("DELETE FROM web_session WHERE principal_kind = 'customer' "
                                    "AND principal_id > :id"), {"id": highest["customer"]})
            for table, top in highest.items():
                connection.execute(text(f"DELETE FROM {table} WHERE id > :top"),  # noqa: S608
                                   {"top": top})


@contextmanager
def journal_unlocked(connection: Connection) -> Iterator[None]:
    """Lift the ledger's append-only triggers for the rest of this transaction (what only the
    database's owner can do), so a test can remove the entries it committed."""
    create, drop = APPEND_ONLY_DDL[connection.dialect.name]
    for statement in drop:
        connection.exec_driver_sql(statement)
    yield
    for statement in create:
        connection.exec_driver_sql(statement)


def open_transactions(engine: Engine) -> int:
    """How many transactions of the shop are open: on PostgreSQL those idle in a transaction,
    on SQLite 1 when another connection holds the write lock (BEGIN IMMEDIATE fails at once)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")).scalar())
    database = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        database.execute("BEGIN IMMEDIATE")
        database.execute("ROLLBACK")
        return 0
    except sqlite3.OperationalError:
        return 1
    finally:
        database.close()
