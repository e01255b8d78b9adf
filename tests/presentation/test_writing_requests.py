"""A request that writes runs in a writing transaction, GET routes that write included: on SQLite
it begins IMMEDIATE (the write lock up front), so it queues behind another writer instead of
failing with "database is locked" when it upgrades a read lock."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import event

from shop.application import Shop
from shop.data import make_engine
from shop.presentation import make_app
from tests.presentation.conftest import VISITOR
from tests.shoppers import log_in, new_customer


@pytest.fixture
def begins(tmp_path, settings, fake):
    """The app on a SQLite file of its own, and the BEGIN statements it sends."""
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.sqlite'}")
    shop = Shop(engine, {**settings, **fake.settings("oidc")})
    shop.upgrade_database()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement)
                 if statement.startswith("BEGIN") else None)
    app = webtest.TestApp(make_app(shop.settings, shop=shop), extra_environ=VISITOR)
    yield app, statements
    engine.dispose()


@pytest.mark.parametrize("url, status, begin", [
    ("/oauth/oidc/start", 303, "BEGIN IMMEDIATE"),
    # The callback writes in short transactions of its own (around the provider's answer).
    ("/oauth/oidc/callback?state=x&code=y", 400, "BEGIN"),
    ("/", 200, "BEGIN"),
    ("/account/login", 200, "BEGIN"),
    # The browser back from a gateway: a payment the gateway reports paid is settled.
    ("/payments/wechat/return", 404, "BEGIN"),
])
def test_a_get_writes_only_where_its_route_says_so(begins, url, status, begin):
    app, statements = begins
    app.get(url, status=status)
    assert statements and set(statements) == {begin}


@pytest.mark.parametrize("url, status, begin", [
    # Reading a wallet or the payment options writes nothing (no account opened by looking).
    ("/account/wallet", 200, "BEGIN"),
    ("/account/wallet/history?kind=points", 200, "BEGIN"),
    ("/orders/12345678901234567890/pay", 404, "BEGIN"),
    ("/orders/12345678901234567890/pay/status", 404, "BEGIN"),
])
def test_a_shoppers_get_writes_only_where_its_route_says_so(begins, url, status, begin):
    app, statements = begins
    shop = app.app.registry.shop
    log_in(shop, app, new_customer(shop))
    statements.clear()
    app.get(url, status=status)
    assert statements and set(statements) == {begin}
