"""The cart: strict quantities and limits, today's price and stock with what changed, carts
that belong only to their guest or shopper, and the guest's cart summed into the account's at
login."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from shop.application import Forbidden, Invalid, NotFound, Shop, UnitOfWork
from shop.application.cart.schemas import MAX_LINES, MAX_QUANTITY
from shop.application.sessions.service import LoginSessions
from shop.data.models import Cart, CartLine, Product, Sku
from tests import factories
from tests.shoppers import new_customer, shopper


@pytest.fixture
def skus(system: UnitOfWork) -> list[str]:
    """Three SKU codes of one product: 10, 10 and 10 in stock, at 99, 100 and 101 yuan."""
    factories.attributes(system)
    factories.category(system, "shirts")
    card = factories.product(system, "shirts", sizes=("s", "m", "l"), stock=10)
    return list(system._session.scalars(select(Sku.code).where(Sku.product_id == card.id)
                                        .order_by(Sku.position)))


def _guest_add(shop: Shop, sku: str, quantity: object = "1", token: str | None = None) -> str:
    with shop.transaction() as tx:
        change = tx.cart.add({"sku": sku, "quantity": quantity}, guest_token=token)
    return change.new_guest_token or token or ""


def _set(system: UnitOfWork, code: str, **values: object) -> None:
    system._session.execute(update(Sku).where(Sku.code == code).values(**values))


@pytest.mark.parametrize("quantity", ["0", "-1", "1000000000", "abc", "1e9", "1.5", 1.5, 0,
                                      MAX_QUANTITY + 1, "", None, True, " 7 "])
def test_a_bad_quantity_is_refused_naming_it_and_writes_nothing(shop, skus, quantity):
    with shop.transaction() as tx:
        with pytest.raises(Invalid) as refused:
            tx.cart.add({"sku": skus[0], "quantity": quantity})
        assert set(refused.value.errors) == {"quantity"}
        assert tx._session.scalar(select(func.count()).select_from(Cart)) == 0


def test_a_guest_adds_and_sees_the_line_at_todays_price(shop, skus):
    token = _guest_add(shop, skus[1], "2")
    token_again = _guest_add(shop, skus[1], "3", token)
    assert token_again == token  # the second add finds the cart: no new token
    with shop.transaction(locale="en") as tx:
        cart = tx.cart.view(guest_token=token)
    (line,) = cart.lines
    assert (line.sku_code, line.quantity, line.price) == (skus[1], 5, Decimal("100.00"))
    assert line.variant == "Red / M" and line.line_total == Decimal("500.00")
    assert cart.selected_total == Decimal("500.00") and not line.price_changed


def test_per_line_and_per_cart_limits(shop, system, skus):
    for code in skus:
        system._stock.adjust(system._session.scalar(select(Sku.id).where(Sku.code == code)),
                             200, "plenty")
    token = _guest_add(shop, skus[0], "90")
    with shop.transaction() as tx, pytest.raises(Invalid) as too_many:
        tx.cart.add({"sku": skus[0], "quantity": "10"}, guest_token=token)
    assert set(too_many.value.errors) == {"quantity"}
    assert "90 already in your cart" in too_many.value.errors["quantity"].interpolate()
    others = [_new_sku(system) for _ in range(MAX_LINES - 1)]
    with shop.transaction() as tx:
        cart_id = tx._session.scalar(select(Cart.id))
        tx._session.add_all(CartLine(cart_id=cart_id, sku_id=sku_id, quantity=1,
                                     price_when_added=Decimal(1)) for sku_id in others)
    with shop.transaction() as tx, pytest.raises(Invalid) as full:
        tx.cart.add({"sku": skus[1], "quantity": "1"}, guest_token=token)
    assert set(full.value.errors) == {"sku"}


def test_the_stepper_bounds_are_the_lines_own(shop, system, skus):
    """− stops at one, + at the per-line limit: decided here, not in the template."""
    system._stock.adjust(system._session.scalar(select(Sku.id).where(Sku.code == skus[0])),
                         200, "plenty")
    token = _guest_add(shop, skus[0], "1")
    with shop.transaction() as tx:
        (line,) = tx.cart.view(guest_token=token).lines
        assert (line.can_decrease, line.can_increase) == (False, True)
        tx.cart.add({"sku": skus[0], "quantity": "98"}, guest_token=token)
    with shop.transaction() as tx:
        (line,) = tx.cart.view(guest_token=token).lines
        assert line.quantity == 99 and (line.can_decrease, line.can_increase) == (True, False)


def _new_sku(system: UnitOfWork) -> int:
    card = factories.product(system, "shirts", sizes=("s",), stock=5)
    return system._session.scalar(select(Sku.id).where(Sku.product_id == card.id))


def test_more_than_is_in_stock_is_refused(shop, skus):
    with shop.transaction() as tx, pytest.raises(Invalid) as refused:
        tx.cart.add({"sku": skus[0], "quantity": "11"})
    assert refused.value.errors["quantity"].interpolate() == "Only 10 left"


def test_an_unpublished_or_unknown_sku_is_not_for_sale(shop, system, skus):
    system._session.execute(update(Product).values(is_published=False))
    for code in (skus[0], "NO-SUCH"):
        with shop.transaction() as tx, pytest.raises(Invalid) as refused:
            tx.cart.add({"sku": code, "quantity": "1"})
        assert set(refused.value.errors) == {"sku"}


def test_the_cart_says_when_a_price_changed_or_a_sku_sold_out(shop, system, skus):
    token = _guest_add(shop, skus[0], "2")
    _guest_add(shop, skus[1], "4", token)
    _guest_add(shop, skus[2], "1", token)
    _set(system, skus[0], price=Decimal("89.50"))
    ids = {code: sku_id for code, sku_id in system._session.execute(select(Sku.code, Sku.id))}
    system._stock.adjust(ids[skus[1]], -7, "breakage")  # 3 left of the 4 wanted
    system._stock.adjust(ids[skus[2]], -10, "breakage")  # none left
    with shop.transaction() as tx:
        cheaper, short, gone = tx.cart.view(guest_token=token).lines
        cart = tx.cart.view(guest_token=token)
    assert cheaper.price_changed and (cheaper.price_when_added, cheaper.price) == (
        Decimal("99.00"), Decimal("89.50"))
    assert short.short and not short.sold_out and short.available == 3
    assert gone.sold_out and not gone.counts
    assert cart.selected_total == Decimal("179.00")  # only the line that can be bought


def test_deselected_lines_leave_the_total_and_quantities_change(shop, skus):
    token = _guest_add(shop, skus[0], "1")
    _guest_add(shop, skus[1], "1", token)
    with shop.transaction() as tx:
        first, second = tx.cart.view(guest_token=token).lines
        tx.cart.select({"line": str(first.id), "selected": "false"}, guest_token=token)
        tx.cart.set_quantity({"line": str(second.id), "quantity": "3"}, guest_token=token)
    with shop.transaction() as tx:
        cart = tx.cart.view(guest_token=token)
        assert cart.selected_total == Decimal("300.00") and not cart.all_selected
        tx.cart.select({"line": "all", "selected": "true"}, guest_token=token)
        tx.cart.remove({"line": str(second.id)}, guest_token=token)
    with shop.transaction() as tx:
        assert tx.cart.view(guest_token=token).selected_total == Decimal("99.00")
        with pytest.raises(Invalid) as refused:
            tx.cart.set_quantity({"line": str(first.id), "quantity": "0"}, guest_token=token)
        assert set(refused.value.errors) == {"quantity"}


def test_a_cart_belongs_only_to_its_guest_or_shopper(shop, skus):
    token = _guest_add(shop, skus[0], "1")
    with shop.transaction() as tx:
        (line,) = tx.cart.view(guest_token=token).lines
    mine = {"line": str(line.id), "quantity": "2"}
    someone = shopper(shop)
    for actor, other_token in ((None, _guest_add(shop, skus[1])), (someone, None),
                               (None, "forged-token")):
        with shop.transaction(actor=actor) as tx:
            with pytest.raises(NotFound):
                tx.cart.set_quantity(mine, guest_token=other_token)
            with pytest.raises(NotFound):
                tx.cart.remove(mine, guest_token=other_token)
            with pytest.raises(NotFound):
                tx.cart.select({"line": mine["line"]}, guest_token=other_token)
            assert line.id not in [x.id for x in tx.cart.view(guest_token=other_token).lines]
    with shop.transaction(actor=someone) as tx:
        # A shopper's cart is theirs, not the guest token's they might still send.
        assert tx.cart.view(guest_token=token).lines == ()
    with shop.transaction(actor=shop.system_actor("x")) as tx, pytest.raises(Forbidden):
        tx.cart.view()


def _login(shop: Shop, customer_id: int) -> str:
    with shop.transaction() as tx:
        return LoginSessions(tx).begin("customer", customer_id).token


def test_the_guest_cart_is_summed_into_the_account_cart_at_login(shop, system, skus):
    system._stock.adjust(system._session.scalar(select(Sku.id).where(Sku.code == skus[0])),
                         200, "plenty")
    customer_id = new_customer(shop)
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor=actor) as tx:
        tx.cart.add({"sku": skus[0], "quantity": "60"})
        tx.cart.add({"sku": skus[1], "quantity": "1"})
    token = _guest_add(shop, skus[0], "50")
    _guest_add(shop, skus[2], "2", token)
    session = _login(shop, customer_id)
    with shop.transaction() as tx:
        assert tx.cart.merge_at_login(token, session) is True
    with shop.transaction(actor=actor) as tx:
        lines = {line.sku_code: line.quantity for line in tx.cart.view().lines}
        assert lines == {skus[0]: MAX_QUANTITY, skus[1]: 1, skus[2]: 2}
        assert tx._session.scalar(select(func.count()).select_from(Cart)) == 1
    with shop.transaction() as tx:  # spent: a second merge finds nothing to add
        assert tx.cart.merge_at_login(token, session) is True
        assert tx.cart.view(guest_token=token).lines == ()


def test_only_a_shoppers_live_session_takes_a_guest_cart(shop, skus):
    token = _guest_add(shop, skus[0], "1")
    with shop.transaction() as tx:
        staff_session = LoginSessions(tx).begin("staff", 1).token
    with shop.transaction() as tx:
        assert tx.cart.merge_at_login(token, staff_session) is False
        assert tx.cart.merge_at_login(token, "not-a-session") is False
        assert len(tx.cart.view(guest_token=token).lines) == 1


def test_a_guest_cannot_choose_its_own_token(shop, skus):
    with shop.transaction() as tx:
        change = tx.cart.add({"sku": skus[0], "quantity": "1"}, guest_token="chosen-by-me")
    assert change.new_guest_token not in (None, "chosen-by-me")
    with shop.transaction() as tx:
        assert tx.cart.view(guest_token="chosen-by-me").lines == ()
        assert len(tx.cart.view(guest_token=change.new_guest_token).lines) == 1
