"""Server-side login sessions, so that any of them can be ended (logout, reset, revocation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class WebSession(Base):
    __tablename__ = "web_session"
    __table_args__ = (Index("ix_web_session_principal", "principal_kind", "principal_id"),)

    #: SHA-256 of the token in the visitor's cookie: a stolen table holds no usable token.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_kind: Mapped[str] = mapped_column(String(10))  # "customer" or "staff"
    principal_id: Mapped[int] = mapped_column(Integer)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = stamped()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
