"""Staff test data built through the staff services, and a staff login through the real app."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from shop.application import Actor, UnitOfWork
from shop.application.accounts.customers import CustomerAccounts
from shop.application.sessions.service import LoginSessions, SessionGrant

PASSWORD = "quiet-orchard-lantern-58"
_serial = itertools.count(1)


def staff(tx: UnitOfWork, roles: Sequence[str] = ("administrator",), *,
          username: str | None = None, password: str = PASSWORD, **extra: Any) -> Any:
    """A staff member holding ``roles``, made by ``tx``'s actor (the system actor in tests)."""
    username = username or f"staff{next(_serial)}"
    return tx.staff.create_staff({"username": username, "email": f"{username}@example.com",
                                  "name": extra.pop("name", f"Staff {username}"),
                                  "password": password, "roles": list(roles), **extra})


def actor(tx: UnitOfWork, member: Any) -> Actor:
    """The actor a session of ``member`` resolves to."""
    return tx.staff.actor_for(member.id)


def acting(tx: UnitOfWork, member: Any) -> UnitOfWork:
    """A unit of work in ``tx``'s transaction acting as staff member ``member``, as a request
    with their session cookie would."""
    return UnitOfWork(tx.shop, tx._session, tx.staff.actor_for(member.id), "en")


def customer(tx: UnitOfWork) -> int:
    """A shopper account; returns its id."""
    return CustomerAccounts(tx).new_customer(email=f"shopper{next(_serial)}@example.com",
                                             name="S").id


def session(tx: UnitOfWork, kind: str, principal_id: int) -> SessionGrant:
    """A login session of ``kind`` ("staff", "customer") as a login would start it."""
    return LoginSessions(tx).begin(kind, principal_id)


def cookie(app: Any, tx: UnitOfWork, kind: str, principal_id: int) -> str:
    """Give the test browser a login session of ``kind`` ("staff", "customer"); its token."""
    grant = session(tx, kind, principal_id)
    tx._session.flush()  # the app reads it through its own session
    app.set_cookie("shop_session", grant.token)
    return grant.token


def web_login(app: Any, username: str, password: str = PASSWORD, *, status: int | str = "*",
              came_from: str | None = None) -> Any:
    """Log in through /admin/login as a browser would."""
    page = app.get("/admin/login" + (f"?came_from={came_from}" if came_from else ""))
    form = page.forms["login-form"]
    form["username"] = username
    form["password"] = password
    return form.submit(status=status)
