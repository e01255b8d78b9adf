"""A visitor's cart follows them through a login with a provider (the OAuth callback's request
only reads, so the merge runs in a short transaction of its own)."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import event, select

from shop.application import Shop
from shop.data import make_engine
from shop.data.models import Cart
from shop.presentation import make_app
from tests import factories
from tests.accounts_support import set_cookies
from tests.presentation.conftest import VISITOR
from tests.presentation.oauth_flow import sign_in


@pytest.fixture
def settings(settings, fake):
    return {**settings, **fake.settings("oidc")}


def test_the_guest_cart_is_merged_at_an_oauth_login(app, shop, system, fake):
    factories.attributes(system)
    factories.category(system, "shirts")
    card = factories.product(system, "shirts", stock=5)
    form = app.get(f"/p/{card.slug}").forms["add-to-cart"]
    form["quantity"] = "3"
    form.submit("add", status=303)
    assert "shop_cart" in app.cookies
    signed_in = sign_in(app, fake)
    assert signed_in.status_int == 303
    [cleared] = set_cookies(signed_in, "shop_cart")
    assert "Max-Age=0" in cleared
    cart = app.get("/cart")
    assert [row.select_one(".quantity-input")["value"]
            for row in cart.html.select(".cart-line")] == ["3"]
    with shop.transaction() as tx:
        owners = list(tx._session.scalars(select(Cart.customer_id)))
    assert len(owners) == 1 and owners[0] is not None


def test_the_oauth_merge_writes_in_a_transaction_of_its_own(tmp_path, settings, fake):
    """The callback's request transaction only reads (on SQLite a plain BEGIN, which would fail
    with "database is locked" if it upgraded to write under load): the merge's statements run
    in a writing transaction (BEGIN IMMEDIATE)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.sqlite'}")
    shop = Shop(engine, settings)
    shop.upgrade_database()
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        factories.attributes(tx)
        factories.category(tx, "shirts")
        card = factories.product(tx, "shirts", stock=5)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    app = webtest.TestApp(make_app(shop.settings, shop=shop), extra_environ=VISITOR)
    try:
        app.get(f"/p/{card.slug}").forms["add-to-cart"].submit("add", status=303)
        statements.clear()
        assert sign_in(app, fake).status_int == 303
    finally:
        engine.dispose()
    deleting = next(i for i, s in enumerate(statements) if s.startswith("DELETE FROM cart "))
    began = [s for s in statements[:deleting] if s.startswith("BEGIN")][-1]
    assert began == "BEGIN IMMEDIATE"
