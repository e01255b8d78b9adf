"""The shopper's address book (收货地址簿): where orders may be delivered.

Regions are stored as GB/T 2260 codes; their names come from the bundled table in the
application tier, so a page resolves them without a query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class Address(Base):
    __tablename__ = "address"
    __table_args__ = (
        Index("ix_address_customer", "customer_id", "id"),
        # At most one default per account, enforced by the database, not only by the service.
        Index("uq_address_default", "customer_id", unique=True,
              sqlite_where=text("is_default"), postgresql_where=text("is_default")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(30))
    #: E.164, e.g. "+8613800138000".
    mobile: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6))
    #: None where the city has no districts (东莞市, 中山市 …).
    district_code: Mapped[str | None] = mapped_column(String(6))
    street: Mapped[str] = mapped_column(String(120))
    postcode: Mapped[str | None] = mapped_column(String(6))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)
