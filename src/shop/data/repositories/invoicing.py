"""Invoice titles, always asked for together with their owner: no query here reads another's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.data.models import Customer, InvoiceTitle


class InvoiceTitleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_owner(self, customer_id: int) -> None:
        """Serialize title writes of one account (PostgreSQL row lock; SQLite has one writer),
        so that the count and the look-up for a same title stay true until the insert."""
        self.session.execute(
            select(Customer.id).where(Customer.id == customer_id).with_for_update())

    def list_for(self, customer_id: int, limit: int) -> list[InvoiceTitle]:
        """Newest first, at most ``limit``."""
        return list(self.session.scalars(
            select(InvoiceTitle).where(InvoiceTitle.customer_id == customer_id)
            .order_by(InvoiceTitle.id.desc()).limit(limit)))

    def owned(self, customer_id: int, title_id: int) -> InvoiceTitle | None:
        return self.session.scalars(
            select(InvoiceTitle).where(InvoiceTitle.id == title_id,
                                       InvoiceTitle.customer_id == customer_id)).first()

    def same(self, customer_id: int, title: str, tax_code: str) -> InvoiceTitle | None:
        """The kept title with this name and tax code, if any (the unique key)."""
        return self.session.scalars(
            select(InvoiceTitle).where(InvoiceTitle.customer_id == customer_id,
                                       InvoiceTitle.title == title,
                                       InvoiceTitle.tax_code == tax_code)).first()

    def count_for(self, customer_id: int) -> int:
        return self.session.scalar(
            select(func.count()).select_from(InvoiceTitle)
            .where(InvoiceTitle.customer_id == customer_id)) or 0

    def add(self, title: InvoiceTitle) -> None:
        self.session.add(title)
        # Flushed now: the caller returns the new id.
        self.session.flush()

    def delete(self, title: InvoiceTitle) -> None:
        self.session.delete(title)
