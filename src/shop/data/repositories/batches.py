"""Deleting in bounded batches: what every purge of an ever-growing table goes through."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, Select, delete
from sqlalchemy.orm import InstrumentedAttribute, Session


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (what a conditional update's caller asks)."""
    return cast(CursorResult[Any], result).rowcount or 0


def delete_ids(session: Session, key: InstrumentedAttribute[Any], ids: Select[Any]) -> int:
    """``DELETE … WHERE key IN (ids)``: purges go in bounded batches, each its own short
    transaction, so a first purge of a large table never holds SQLite's write lock for long."""
    found = list(session.scalars(ids))
    if not found:
        return 0
    return affected(session.execute(
        delete(key.class_).where(key.in_(found))
        .execution_options(synchronize_session=False)))
