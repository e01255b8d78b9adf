"""Appending many rows in one statement: what a checkout's lines, reservations, stock log and
events go through, so a write costs one round trip however many rows it has and no ORM flush.

The rows go in through Core on the session's connection (the ORM's bulk-insert machinery would
only add cost); the columns a model stamps (``stamped()``) are filled from the session's clock,
as a flush would fill them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data import CLOCK
from shop.data.models.base import STAMP, Base


def append_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(_table(model)), _stamped(session, model, rows))


def append_rows_returning_ids(session: Session, model: type[Base],
                              rows: Sequence[dict[str, Any]]) -> list[int]:
    """The rows' new ids, in the rows' order (one statement on PostgreSQL and SQLite alike)."""
    if not rows:
        return []
    table = _table(model)
    result = session.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        _stamped(session, model, rows))
    return [int(key) for key in result.scalars()]


def append_rows_returning_keys(session: Session, model: type[Base],
                               rows: Sequence[dict[str, Any]], key: str) -> dict[Any, int]:
    """The rows' new ids by their unique column ``key``: batched into multi-row INSERTs on
    SQLite too, where asking for the ids in the rows' order (``append_rows_returning_ids``)
    costs one statement a row."""
    if not rows:
        return {}
    table = _table(model)
    result = session.connection().execute(
        insert(table).returning(table.c[key], table.c.id), _stamped(session, model, rows))
    return {found: int(new_id) for found, new_id in result}


def copy_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """``append_rows`` for many thousand rows: PostgreSQL's ``COPY … FROM STDIN``, which takes
    rows several times faster than the largest multi-row INSERT; elsewhere ``append_rows``.

    Every row gives the same columns; the columns' Python-side defaults are filled in, as an
    INSERT would, and a refused unique or foreign key raises ``IntegrityError`` all the same.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        append_rows(session, model, rows)
        return
    table = _table(model)
    defaults = {column.key: column.default.arg for column in table.columns
                if column.default is not None and column.default.is_scalar}
    complete = [{**defaults, **row} for row in _stamped(session, model, rows)]
    names = list(complete[0])
    statement = (f'COPY "{table.name}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) '
                 "FROM STDIN")
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in complete:
                copy.write_row([row[name] for name in names])
    except Exception as exc:
        # psycopg's own error: the ORM's callers know IntegrityError.
        if type(exc).__module__.startswith("psycopg") and getattr(exc, "sqlstate", "") \
                and str(getattr(exc, "sqlstate", "")).startswith("23"):
            raise IntegrityError(statement, None, exc) from exc
        raise


def reserve_ids(session: Session, model: type[Base], count: int) -> list[int] | None:
    """``count`` new ids from the table's id sequence (PostgreSQL), for rows that ``copy_rows``
    writes with their ids; None where ids come from no sequence (SQLite)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return None
    table = _table(model)
    found = connection.execute(text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
        {"table": table.name, "count": count})
    return [int(key) for key in found.scalars()]


def insert_unless_taken(session: Session, model: type[Base], row: dict[str, Any],
                        unique: str | Sequence[str]) -> int | None:
    """Insert the row unless its ``unique`` column's (or columns') value is taken: its id, or
    None. One statement (``ON CONFLICT DO NOTHING``), where a savepoint would cost two more."""
    table = _table(model)
    dialect = session.get_bind().dialect.name
    build = postgresql_insert if dialect == "postgresql" else sqlite_insert
    columns = [unique] if isinstance(unique, str) else list(unique)
    statement = build(table).values(_stamped(session, model, [row])[0]) \
        .on_conflict_do_nothing(index_elements=columns).returning(table.c.id)
    key = session.connection().execute(statement).scalar_one_or_none()
    return None if key is None else int(key)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _stamped(session: Session, model: type[Base],
             rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    now = session.info[CLOCK]()
    stamped = dict.fromkeys((column.key for column in _table(model).columns
                             if STAMP in column.info), now)
    return [{**stamped, **row} for row in rows]


def model_columns(record: type, model: type[Base]) -> list[Any]:
    """The model's columns named like ``record``'s fields, in their order: what a select
    reads to build that record positionally."""
    return [getattr(model, field.name) for field in fields(record)]
