"""Storefront visitors per day (访客数): one row per day in the shop's time zone.

A counter, not a log: the web processes de-duplicate visitors in memory and add their counts
in batches (``shop.application.visits``), so a page view never writes a row of its own and the
dashboard reads seven rows for a week.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, Integer
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base


class VisitDay(Base):
    __tablename__ = "visit_day"
    __table_args__ = (CheckConstraint("visitors >= 0", name="visitors_not_negative"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitors: Mapped[int] = mapped_column(Integer, default=0)
