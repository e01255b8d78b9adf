"""Throttle events: one row per counted try (a failed login, a code sent) under a namespaced key.

Every throttled thing in the shop, for shoppers and staff alike, is a key such as
``login:identifier:wang@example.com``, ``login:account:42`` or ``staff-login:ip:203.0.113.7``;
a limit is "at most N events of a key within a window". Rows older than the longest window are
worth nothing and are purged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base

#: Room for the longest namespace and a 254-character email address.
KEY_LENGTH = 300


class ThrottleEvent(Base):
    __tablename__ = "throttle_event"
    __table_args__ = (
        # The latest events of one key: every check reads one range of it.
        Index("ix_throttle_event_key", "key", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    #: When the try happened (the shop's clock), indexed for the purge.
    at: Mapped[datetime] = mapped_column(index=True)
