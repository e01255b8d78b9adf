"""Reading and replacing the reference data revision tokens."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shop.data.models.reference import ReferenceRevision
from shop.data.repositories.batches import affected


class ReferenceRevisionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def tokens(self) -> dict[str, str]:
        """Every kind's current token, in one statement."""
        return dict(self.session.execute(
            select(ReferenceRevision.name, ReferenceRevision.token)).all())

    def replace(self, name: str, token: str) -> None:
        changed = affected(self.session.execute(
            update(ReferenceRevision).where(ReferenceRevision.name == name)
            .values(token=token)))
        if not changed:
            self.session.execute(insert(ReferenceRevision).values(name=name, token=token))
