"""Invoice titles (发票抬头) a shopper keeps, to pick one at checkout instead of typing it.

An order keeps its own copy of the invoice details (the order tables are the ordering domain's);
a title here can be changed or deleted without touching any invoice already asked for.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class InvoiceTitle(Base):
    __tablename__ = "invoice_title"
    __table_args__ = (
        Index("ix_invoice_title_customer", "customer_id", "id"),
        # "Remember this title" twice keeps one row, even from two checkouts at once.
        UniqueConstraint("customer_id", "title", "tax_code", name="uq_invoice_title_same"),
        CheckConstraint("kind IN ('personal', 'company')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    #: "personal" (个人) or "company" (单位).
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(100))
    #: The unified social credit code; "" for a person.
    tax_code: Mapped[str] = mapped_column(String(18), default="")
    #: What a VAT special invoice also prints; "" when not kept.
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(30), default="")
    company_address: Mapped[str] = mapped_column(String(120), default="")
    company_phone: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = stamped()
