"""Appending many rows in one statement: what a checkout's lines, reservations, stock log and
events go through, so a write costs one round trip however many rows it has and no ORM flush.

The columns a model stamps (``stamped()``) are filled from the session's clock, as a flush
would fill them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from shop.data import CLOCK
from shop.data.models.base import STAMP, Base


def append_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    now = session.info[CLOCK]()
    stamped = [column.key for column in model.__table__.columns if STAMP in column.info]
    # Core, on the session's connection: the ORM's bulk-insert machinery would only add cost.
    session.connection().execute(insert(model.__table__),
                                 [{**dict.fromkeys(stamped, now), **row} for row in rows])


def append_row(session: Session, model: type[Base], row: dict[str, Any]) -> int:
    """One row; its id."""
    now = session.info[CLOCK]()
    stamped = {column.key: now for column in model.__table__.columns if STAMP in column.info}
    table = model.__table__
    key: int = session.connection().execute(
        insert(table).values({**stamped, **row}).returning(table.c.id)).scalar_one()
    return key
