"""Shopper accounts for tests of the account pages: made through the application tier."""

from __future__ import annotations

import itertools
from typing import Any

from shop.application import Actor, Shop
from shop.application.accounts.customers import CustomerAccounts
from shop.application.sessions.service import LoginSessions

_serial = itertools.count(1)


def new_customer(shop: Shop, **fields: Any) -> int:
    """A committed (to the test's savepoint) account; returns its id."""
    fields.setdefault("email", f"shopper{next(_serial)}@example.com")
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        return CustomerAccounts(tx).new_customer(**fields).id


def shopper(shop: Shop, **fields: Any) -> Actor:
    """The actor of a new account, as a login session would make it."""
    customer_id = new_customer(shop, **fields)
    with shop.transaction() as tx:
        return tx.accounts.actor_for(customer_id)


def log_in(shop: Shop, app: Any, customer_id: int) -> None:
    """Give the WebTest ``app`` a login session cookie for ``customer_id``."""
    with shop.transaction() as tx:
        grant = LoginSessions(tx).begin("customer", customer_id)
    app.set_cookie("shop_session", grant.token)
