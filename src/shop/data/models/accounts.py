"""Shopper accounts (会员). Staff are a separate table: no shopper form can make a staff member."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (
        # The back office's customer list (0024): by registration, keyset-paged on
        # (created_at, id), alone or within a date range; and a search by the start of a name
        # (``text_pattern_ops`` so that PostgreSQL's LIKE 'prefix%' can use it in any locale).
        Index("ix_customer_created_at_id", "created_at", "id"),
        Index("ix_customer_name", "name", postgresql_ops={"name": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Login names; each optional, each unique. Email is stored lower-cased, mobile in E.164.
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    email_verified_at: Mapped[datetime | None]
    mobile_verified_at: Mapped[datetime | None]
    #: argon2id; None for an account made by SMS code or OAuth that never set a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(60), default="")
    gender: Mapped[str | None] = mapped_column(String(10))
    birthday: Mapped[date | None] = mapped_column(Date)
    #: Full registration (完整注册) filled the profile; a quick account can complete it later.
    profile_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    referral_code: Mapped[str] = mapped_column(String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = stamped()


class OneTimeCode(Base):
    """A secret sent to an address to prove the visitor holds it: a 6-digit SMS or email code,
    or a long random token in a password-reset link. Only its hash is kept.

    Every request makes a row, even for an address that cannot be used (taken, or unknown for a
    reset), so that answers are the same whether or not an account exists; how often codes may
    be asked for is counted by the throttle (``throttle_event``).
    """

    __tablename__ = "one_time_code"
    __table_args__ = (
        # The latest code of an address, and its live codes to end when a new one is sent.
        Index("ix_one_time_code_destination", "destination", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "register", "reset", "change_email" or "change_mobile".
    purpose: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))  # "sms" or "email"
    #: The address the code went to (E.164 mobile or lower-cased email).
    destination: Mapped[str] = mapped_column(String(254))
    #: The account the code acts for (reset, change of address); None when there is none.
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the code bound to its purpose and address; link tokens are looked up by it.
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = stamped()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: Wrong guesses so far; the code is dead after five.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ip: Mapped[str | None] = mapped_column(String(45))

