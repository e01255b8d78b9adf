"""Login sessions: who a token belongs to, logging out, and (inside the tier) starting them.

The visitor's cookie holds a random token; the table holds only its SHA-256, so a leaked table
cannot be replayed. A session is never extended by reading it (a GET stays read-only); its
lifetime is fixed when it starts: a working day, or 30 days with "remember me".

Two classes, because only one half may be public. ``SessionService`` (``uow.sessions``) answers
questions about a token its caller holds and purges expired sessions. ``LoginSessions`` starts,
rotates and ends sessions of any principal; only use cases that have proved who someone is
(a login, a registration, a privilege change) use it, so no unit of work offers "start a
session for customer 42" to whoever holds it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shop.data.models import WebSession
from shop.data.repositories.sessions import SessionRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

SHORT_LIFETIME = timedelta(hours=12)
REMEMBER_LIFETIME = timedelta(days=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionGrant:
    """What presentation needs to set the cookie."""

    token: str
    remember: bool
    max_age: int | None  # seconds for a persistent cookie; None for a browser-session cookie


@dataclass(frozen=True)
class SessionPrincipal:
    kind: str  # "customer" or "staff"
    id: int


class SessionService:
    """``uow.sessions``: what anyone may ask about a session token they hold."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = SessionRepository(uow._session)

    def principal(self, token: str | None) -> SessionPrincipal | None:
        """Whose live session ``token`` is; None when it ended or never was."""
        if not token:
            return None
        found = self._repo.live(token_hash(token), self.uow.clock.now())
        return SessionPrincipal(found.principal_kind, found.principal_id) if found else None

    def end(self, token: str | None) -> None:
        """End the session behind ``token`` (logging out)."""
        if token:
            self._repo.delete(token_hash(token))

    def purge_expired(self, limit: int) -> int:
        """Delete up to ``limit`` sessions that have expired; how many. A job runs it."""
        return self._repo.delete_expired(self.uow.clock.now(), limit)


class LoginSessions:
    """Starting and ending the sessions of any principal: for the use cases that decide it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = SessionRepository(uow._session)

    def begin(self, principal_kind: str, principal_id: int, *, remember: bool = False,
              user_agent: str | None = None, replacing: str | None = None) -> SessionGrant:
        """A fresh session from the visitor's address; the visitor's earlier token
        (``replacing``), if any, stops working, so a login never keeps a known token."""
        if replacing:
            self.repo.delete(token_hash(replacing))
        return self._start(principal_kind, principal_id, remember=remember,
                           ip=self.uow.client_ip, user_agent=user_agent)

    def rotate(self, token: str) -> SessionGrant | None:
        """A new token for the same login (after a privilege change); the old one stops working."""
        found = self.repo.live(token_hash(token), self.uow.clock.now())
        if found is None:
            return None
        self.repo.delete(found.token_hash)
        return self._start(found.principal_kind, found.principal_id, remember=found.remember,
                           ip=found.ip, user_agent=found.user_agent)

    def end_all(self, principal_kind: str, principal_id: int, *,
                except_token: str | None = None) -> int:
        """End every session of the principal but ``except_token``'s; how many ended."""
        keep = [token_hash(except_token)] if except_token else []
        return self.repo.delete_for(principal_kind, principal_id, keep)

    def _start(self, principal_kind: str, principal_id: int, *, remember: bool,
               ip: str | None, user_agent: str | None) -> SessionGrant:
        token = secrets.token_urlsafe(32)
        lifetime = REMEMBER_LIFETIME if remember else SHORT_LIFETIME
        self.repo.add(WebSession(
            token_hash=token_hash(token), principal_kind=principal_kind,
            principal_id=principal_id, remember=remember,
            expires_at=self.uow.clock.now() + lifetime,
            ip=ip, user_agent=(user_agent or "")[:255] or None))
        return SessionGrant(token, remember,
                            int(lifetime.total_seconds()) if remember else None)
