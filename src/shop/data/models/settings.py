"""Base settings (基础设置) that staff change at run time: one row per key, the value as JSON.

Key/value rather than one wide row, so that a new setting needs no migration; the application
tier owns the list of keys, their validation and their defaults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class ShopSetting(Base):
    __tablename__ = "shop_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = stamped(on_update=True)
    #: The actor's name ("staff:alice", "system:import"), as in the audit log.
    updated_by: Mapped[str] = mapped_column(String(120))
