"""Provider links and the login attempts under way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shop.data.models import OAuthAttempt, OAuthIdentity
from shop.data.repositories.batches import delete_ids


class OAuthIdentityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, provider: str, subject: str) -> OAuthIdentity | None:
        return self.session.scalars(
            select(OAuthIdentity).where(OAuthIdentity.provider == provider,
                                        OAuthIdentity.subject == subject)).first()

    def for_customer(self, customer_id: int) -> list[OAuthIdentity]:
        return list(self.session.scalars(
            select(OAuthIdentity).where(OAuthIdentity.customer_id == customer_id)
            .order_by(OAuthIdentity.provider)))

    def add(self, identity: OAuthIdentity) -> None:
        self.session.add(identity)
        # Flushed now so that a link taken meanwhile fails here, inside the request.
        self.session.flush()

    def delete(self, identity: OAuthIdentity) -> None:
        self.session.delete(identity)


class OAuthAttemptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attempt: OAuthAttempt) -> None:
        self.session.add(attempt)

    def take(self, state_hash: str) -> OAuthAttempt | None:
        """The attempt for ``state_hash``, removed so that a state works once only.

        One ``DELETE … RETURNING``: of two callbacks racing with the same state, only one gets
        the row; and the statement writes first, so SQLite takes its write lock before reading.
        """
        return self.session.scalars(
            delete(OAuthAttempt).where(OAuthAttempt.state_hash == state_hash)
            .returning(OAuthAttempt).execution_options(synchronize_session=False)).first()

    def keep_newest_of_browser(self, browser_hash: str, keep: int) -> None:
        """Delete all but the ``keep`` newest attempts of one browser."""
        newest = (select(OAuthAttempt.state_hash)
                  .where(OAuthAttempt.browser_hash == browser_hash)
                  .order_by(OAuthAttempt.created_at.desc()).limit(keep))
        self.session.execute(
            delete(OAuthAttempt).where(OAuthAttempt.browser_hash == browser_hash,
                                       OAuthAttempt.state_hash.not_in(newest))
            .execution_options(synchronize_session=False))

    def delete_expired(self, now: datetime, limit: int | None = None) -> int:
        """Delete the attempts that expired by ``now``: at most ``limit`` (a purge's batch)."""
        return delete_ids(self.session, OAuthAttempt.state_hash,
                          select(OAuthAttempt.state_hash).where(OAuthAttempt.expires_at <= now)
                          .limit(limit))
