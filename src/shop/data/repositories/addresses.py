"""Addresses, always asked for together with their owner: no query here reads another's address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shop.data.models import Address, Customer


class AddressRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_owner(self, customer_id: int) -> None:
        """Serialize address writes of one account (PostgreSQL row lock; SQLite has one writer).

        Locking the customer row, not the addresses, also covers the first address, when there is
        no address row to lock yet.
        """
        self.session.execute(
            select(Customer.id).where(Customer.id == customer_id).with_for_update())

    def list_for(self, customer_id: int) -> list[Address]:
        """Default first, then newest first."""
        return list(self.session.scalars(
            select(Address).where(Address.customer_id == customer_id)
            .order_by(Address.is_default.desc(), Address.id.desc())))

    def owned(self, customer_id: int, address_id: int) -> Address | None:
        return self.session.scalars(
            select(Address).where(Address.id == address_id,
                                  Address.customer_id == customer_id)).first()

    def count_for(self, customer_id: int) -> int:
        return self.session.scalar(
            select(func.count()).select_from(Address).where(Address.customer_id == customer_id)
        ) or 0

    def newest_for(self, customer_id: int) -> Address | None:
        return self.session.scalars(
            select(Address).where(Address.customer_id == customer_id)
            .order_by(Address.id.desc()).limit(1)).first()

    def add(self, address: Address) -> None:
        self.session.add(address)
        # Flushed now: the caller returns the new id.
        self.session.flush()

    def clear_default(self, customer_id: int, now: datetime) -> None:
        """The default address stops being it, updated at ``now`` (the shop's clock: a Core
        UPDATE passes by the session's stamping)."""
        self.session.execute(
            update(Address).where(Address.customer_id == customer_id, Address.is_default)
            .values(is_default=False, updated_at=now)
            .execution_options(synchronize_session="fetch"))
        # Flushed before another row becomes default, or the partial unique index would see two.
        self.session.flush()

    def delete(self, address: Address) -> None:
        self.session.delete(address)
        # Flushed now, so a promotion that follows sees the row gone.
        self.session.flush()
