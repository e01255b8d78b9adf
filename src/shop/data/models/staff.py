"""Staff accounts and their roles (权限设置).

Staff are a table of their own, apart from ``customer``: no shopper form can ever touch it, so a
shopper can never become staff. A role is a named set of permissions; built-in roles keep their
permission sets in code (``shop.application.staff.builtin_roles``) and have rows here only so that
assignments can refer to them; a custom role's permissions are rows of ``role_permission``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The login name, lower-case; it also names the staff member in every audit entry.
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(60), default="")
    #: argon2id, rehashed at login when the shop's parameters change.
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = stamped()
    last_login_at: Mapped[datetime | None]


class Role(Base):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    #: Seeded by migration 0004; its permission set lives in code and cannot be edited.
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class RolePermission(Base):
    """One permission of a custom role."""

    __tablename__ = "role_permission"

    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"),
                                         primary_key=True)
    permission: Mapped[str] = mapped_column(String(60), primary_key=True)


class StaffRole(Base):
    """A role held by a staff member."""

    __tablename__ = "staff_role"
    __table_args__ = (Index("ix_staff_role_role", "role_id", "staff_id"),)

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"), primary_key=True)

