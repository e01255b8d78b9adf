"""Revision tokens of the reference data that every page reads and staff rarely change.

One row per kind ("catalog": the category tree, brands and facet attributes; "settings": the
base settings). Every write to a kind replaces its token in the same transaction, so a process
that kept a copy of that data knows from one small read whether the copy is still current.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base


class ReferenceRevision(Base):
    __tablename__ = "reference_revision"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: A random token, never a counter: a rolled-back write must not reuse a value that a
    #: reader inside that transaction may already have cached.
    token: Mapped[str] = mapped_column(String(32))
