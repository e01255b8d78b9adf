"""The declarative base shared by every model, with constraint names alembic can rely on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, MetaData, Numeric, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the shop stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


#: Money in CNY to the fen. Decimal in, Decimal out; never a float.
Money = Numeric(14, 2, asdecimal=True)


#: Column ``info`` key naming when the session stamps a timestamp column from the shop's clock.
STAMP = "shop_stamp"


def stamped(*, on_update: bool = False, **options: Any) -> Any:
    """A timestamp the session fills from the shop's clock: at insert, and at every update too
    when ``on_update`` (see ``shop.data.stamp_timestamps``). No model reads the machine's clock."""
    return mapped_column(info={STAMP: "update" if on_update else "insert"}, **options)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money}  # noqa: RUF012
