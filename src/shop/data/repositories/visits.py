"""Adding to the visitors-per-day counters: one upsert for a batch of days, so two processes
adding to the same new day both land (``ON CONFLICT DO UPDATE``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shop.data.models import VisitDay


class VisitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_visitors(self, counts: Mapping[date, int]) -> None:
        rows = [{"day": day, "visitors": count} for day, count in sorted(counts.items())
                if count > 0]
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        build = postgresql_insert if dialect == "postgresql" else sqlite_insert
        upsert = build(VisitDay)
        upsert = upsert.on_conflict_do_update(
            index_elements=[VisitDay.day],
            set_={"visitors": VisitDay.visitors + upsert.excluded.visitors})
        # An ORM statement through the session (not Core on its connection), so that the unit
        # of work knows it wrote: one that only read is rolled back at the end.
        self.session.execute(upsert, rows)
