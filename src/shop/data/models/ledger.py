"""The ledger (账务): every internal account and every movement between them, double-entry.

An account holds one unit: CNY (a shopper's balance, a gift card, an order's takings, the
shop's own accounts) or PTS (a shopper's points). A movement is a *transfer*: two rows of
``ledger_entry`` with one reference, the source debited and the destination credited by the
same amount, each naming the other as counter-account. So per unit the balances of all accounts
add up to zero: money is moved, never made or lost (the shop's own accounts go negative where
value enters, e.g. top-ups, issued gift cards, points granted).

``ledger_account.balance`` is the sum of the account's entries, kept in the same statement as
the entry is written: a conditional UPDATE that refuses to take an account below zero unless it
may go negative (and a CHECK to back it), which is what makes 50 checkouts spending one gift
card's balance at once debit it at most once. The entries are append-only: database triggers
refuse UPDATE and DELETE (``APPEND_ONLY_DDL``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped

UNITS = ("CNY", "PTS")


class LedgerAccount(Base):
    __tablename__ = "ledger_account"
    __table_args__ = (
        CheckConstraint("unit IN ('CNY', 'PTS')", name="known_unit"),
        CheckConstraint("may_go_negative OR balance >= 0", name="not_overdrawn"),
        Index("ix_ledger_account_customer_id", "customer_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "customer:42:balance", "customer:42:points", "gift_card:7", "order:2026…", "gateway:alipay",
    #: "shop:sales", …: one account per code, made on first use.
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(3))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    may_go_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    balance: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    created_at: Mapped[datetime] = stamped()


class LedgerEntry(Base):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("reference", "direction", name="uq_ledger_entry_reference_direction"),
        CheckConstraint("direction IN ('debit', 'credit')", name="known_direction"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_ledger_entry_account_id", "account_id", "id"),
        Index("ix_ledger_entry_order_number", "order_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The transfer's idempotency key, e.g. "hold:P2026…": a retried step finds it taken.
    reference: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    counter_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    #: "debit": value left ``account``; "credit": value arrived.
    direction: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(3))
    #: What happened, as a code the application names: "top_up", "hold", "capture", "refund"…
    kind: Mapped[str] = mapped_column(String(30))
    order_number: Mapped[str | None] = mapped_column(String(24))
    payment_number: Mapped[str | None] = mapped_column(String(32))
    #: The gateway's transaction or refund number, a gift card's code, a staff note's ticket.
    external_ref: Mapped[str] = mapped_column(String(64), default="")
    actor: Mapped[str] = mapped_column(String(120))
    memo: Mapped[str] = mapped_column(String(200), default="")
    #: Points credited in a lot expire at this time (None: they never do, and for CNY).
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = stamped()


_REFUSE = "ledger entries are append-only"

#: Triggers that make the journal append-only, per dialect: (create statements, drop statements).
APPEND_ONLY_DDL = {
    "postgresql": ((
        "CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$ BEGIN "
        f"RAISE EXCEPTION '{_REFUSE}'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()",
    ), (
        "DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry",
        "DROP FUNCTION IF EXISTS ledger_entry_append_only()",
    )),
    "sqlite": ((
        "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END",
        "CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END",
    ), (
        "DROP TRIGGER IF EXISTS ledger_entry_no_update",
        "DROP TRIGGER IF EXISTS ledger_entry_no_delete",
    )),
}
