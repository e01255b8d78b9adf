"""The OAuth callback holds no database transaction while the provider's servers answer: on
SQLite another writer may take the write lock meanwhile, on PostgreSQL no connection of the shop
sits idle in a transaction. Against a database that really commits, as a server runs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import webtest
from sqlalchemy import Engine, text

from shop.application import Shop
from shop.presentation import make_app
from tests.committed import cleaned, open_transactions
from tests.presentation.oauth_flow import sign_in


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc")}


@contextmanager
def oauth_rows_removed(engine: Engine) -> Iterator[None]:
    """Delete the attempts and throttle counts the block added (``cleaned`` removes customers,
    and their provider links with them)."""
    with engine.connect() as connection:
        top = connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM throttle_event")).scalar()
        attempts = set(connection.execute(text("SELECT state_hash FROM oauth_attempt")).scalars())
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM throttle_event WHERE id > :top"), {"top": top})
            added = set(connection.execute(text("SELECT state_hash FROM oauth_attempt"))
                        .scalars()) - attempts
            for state_hash in added:
                connection.execute(text("DELETE FROM oauth_attempt WHERE state_hash = :h"),
                                   {"h": state_hash})


@pytest.fixture
def committed(engine, settings, clock):
    with cleaned(engine), oauth_rows_removed(engine):
        yield Shop(engine, settings, clock=clock)


def test_no_transaction_is_open_while_the_provider_answers(committed, engine, fake):
    seen: list[int] = []
    fake.while_answering = lambda: seen.append(open_transactions(engine))
    app = webtest.TestApp(make_app(committed.settings, shop=committed),
                          extra_environ={"HTTP_HOST": "localhost"})
    page = sign_in(app, fake)
    assert page.status_int == 303 and app.cookies.get("shop_session")
    assert seen == [0]


def test_the_check_sees_a_transaction_held_open(committed, engine):
    """The check above can fail: with a transaction open, it reports it."""
    with committed.transaction() as tx:
        assert tx.sessions.principal("no-such-token") is None  # the transaction has begun
        assert open_transactions(engine) == 1
