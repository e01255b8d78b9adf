"""Inventory owns stock: reservations all or nothing, idempotent release and deduction, audited
adjustments, database constraints that refuse negatives, and listings that follow stock through
``inventory.stock_changed``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from shop.application import Actor, Conflict, Forbidden, Invalid, Permission, UnitOfWork
from shop.application.events.dispatch import dispatch_events
from shop.application.inventory.stock import Owner, StockLine
from shop.data.models import AuditEntry, Sku, StockLevel, StockMovement, StockReservation
from tests import factories

ORDER = Owner("order", "R2026120100001")
OTHER = Owner("order", "R2026120100002")


def _skus(tx: UnitOfWork, *stocks: int) -> list[int]:
    """A product with one SKU per stock figure; their ids, in that order."""
    factories.attributes(tx)
    factories.category(tx, "shirts")
    sizes = ("s", "m", "l")[:len(stocks)]
    card = factories.product(tx, "shirts", sizes=sizes, stock=0)
    ids = list(tx._session.scalars(select(Sku.id).where(Sku.product_id == card.id)
                                   .order_by(Sku.position)))
    for sku_id, stock in zip(ids, stocks, strict=True):
        if stock:
            tx._stock.adjust(sku_id, stock, "test stock")
    return ids


def _code(tx: UnitOfWork, sku_id: int) -> str:
    return tx._session.scalar(select(Sku.code).where(Sku.id == sku_id))


def _said(error: Exception) -> str:
    """The English text of an application error's message."""
    return error.args[0].interpolate()


def _level(tx: UnitOfWork, sku_id: int) -> tuple[int, int]:
    level = tx._session.execute(select(StockLevel.on_hand, StockLevel.reserved)
                                .where(StockLevel.sku_id == sku_id)).one()
    return level.on_hand, level.reserved


def _expiry(tx: UnitOfWork):
    return tx.clock.now() + timedelta(minutes=30)


def test_a_reservation_takes_every_line_or_none(system):
    a, b = _skus(system, 5, 1)
    with pytest.raises(Conflict) as refused:
        system._stock.reserve(ORDER, [StockLine(a, 2), StockLine(b, 2)], _expiry(system))
    assert _said(refused.value) == f"Not enough {_code(system, b)} in stock: 1 available"
    assert system.inventory.available([a, b]) == {a: 5, b: 1}
    assert system._session.scalar(select(func.count()).select_from(StockReservation)) == 0

    system._stock.reserve(ORDER, [StockLine(a, 2), StockLine(b, 1)], _expiry(system))
    assert system.inventory.available([a, b]) == {a: 3, b: 0}
    assert (_level(system, a), _level(system, b)) == ((5, 2), (1, 1))


def test_two_lines_of_one_owner_on_one_sku_are_checked_against_their_sum(system):
    [a] = _skus(system, 3)
    with pytest.raises(Conflict):
        system._stock.reserve(ORDER, [StockLine(a, 2), StockLine(a, 2)], _expiry(system))
    assert system.inventory.available([a]) == {a: 3}
    system._stock.reserve(ORDER, [StockLine(a, 2), StockLine(a, 1)], _expiry(system))
    assert system.inventory.available([a]) == {a: 0}
    with pytest.raises(Conflict):
        system._stock.reserve(OTHER, [StockLine(a, 1)], _expiry(system))


def test_bad_lines_are_refused_before_anything_is_written(system):
    [a] = _skus(system, 3)
    for lines in ([], [StockLine(a, 0)], [StockLine(a, -1)], [StockLine(10**6, 1)]):
        with pytest.raises(Invalid):
            system._stock.reserve(ORDER, lines, _expiry(system))
    with pytest.raises(ValueError):
        Owner("coupon", "x")
    system._stock.reserve(ORDER, [StockLine(a, 1)], _expiry(system))
    with pytest.raises(Conflict):  # one reservation per owner at a time
        system._stock.reserve(ORDER, [StockLine(a, 1)], _expiry(system))
    assert _level(system, a) == (3, 1)


def test_release_and_deduct_happen_once(system):
    a, b = _skus(system, 5, 4)
    system._stock.reserve(ORDER, [StockLine(b, 1), StockLine(a, 2)], _expiry(system))
    system._stock.reserve(OTHER, [StockLine(a, 1)], _expiry(system))
    assert system._stock.release(ORDER) == 2
    assert system._stock.release(ORDER) == 0
    assert system._stock.deduct(ORDER) == 0  # released: nothing left to send out
    assert (_level(system, a), _level(system, b)) == ((5, 1), (4, 0))
    assert system._stock.deduct(OTHER) == 1
    assert system._stock.deduct(OTHER) == 0
    assert system._stock.release(OTHER) == 0
    assert (_level(system, a), _level(system, b)) == ((4, 0), (4, 0))
    states = dict(system._session.execute(
        select(StockReservation.owner_ref, StockReservation.state)
        .where(StockReservation.sku_id == a)).all())
    assert states == {ORDER.ref: "released", OTHER.ref: "deducted"}


def test_the_movement_log_sums_to_the_stock_levels(system):
    a, b = _skus(system, 5, 4)
    system._stock.reserve(ORDER, [StockLine(a, 2), StockLine(b, 3)], _expiry(system))
    system._stock.deduct(ORDER)
    system._stock.reserve(OTHER, [StockLine(a, 1)], _expiry(system))
    system.inventory.adjust(_code(system, b), 7, "stock count")
    for sku_id in (a, b):
        sums = system._session.execute(
            select(func.sum(StockMovement.delta), func.sum(StockMovement.reserved_delta))
            .where(StockMovement.sku_id == sku_id)).one()
        assert tuple(sums) == _level(system, sku_id)
    reasons = list(system._session.scalars(
        select(StockMovement.reason).where(StockMovement.sku_id == a)
        .order_by(StockMovement.id)))
    assert reasons == ["opening", "adjust", "reserve", "deduct", "reserve"]


def _staff(tx: UnitOfWork, *permissions: Permission) -> UnitOfWork:
    actor = Actor(kind="staff", name="staff:7", id=7, permissions=frozenset(permissions))
    return UnitOfWork(tx.shop, tx._session, actor, "en")


def test_an_adjustment_needs_the_stock_permission_and_is_audited(system):
    [a] = _skus(system, 5)
    code = _code(system, a)
    with pytest.raises(Forbidden):
        _staff(system, Permission.CATALOG_WRITE).inventory.adjust(code, 3, "found a box")
    assert _level(system, a) == (5, 0)

    stock_keeper = _staff(system, Permission.STOCK_MANAGE)
    view = stock_keeper.inventory.adjust(code, -2, "two damaged")
    assert (view.sku, view.on_hand, view.reserved, view.available) == (code, 3, 0, 3)
    entry = system._session.scalars(select(AuditEntry).where(
        AuditEntry.action == "inventory.adjust")).one()
    assert (entry.actor_name, entry.entity_id, entry.before, entry.after) == (
        "staff:7", str(a), {"on_hand": 5}, {"on_hand": 3, "delta": -2, "reason": "two damaged"})
    movement = system._session.scalars(select(StockMovement).where(
        StockMovement.reason == "adjust", StockMovement.actor == "staff:7")).one()
    assert (movement.delta, movement.reference) == (-2, "two damaged")


def test_an_adjustment_never_leaves_less_on_hand_than_is_reserved(system):
    [a] = _skus(system, 5)
    code = _code(system, a)
    system._stock.reserve(ORDER, [StockLine(a, 4)], _expiry(system))
    with pytest.raises(Conflict) as refused:
        system.inventory.adjust(code, -2, "stock count")
    assert _said(refused.value) == f"{code} has 5 on hand, 4 of them reserved"
    assert _level(system, a) == (5, 4)
    assert system.inventory.adjust(code, -1, "stock count").available == 0


@pytest.mark.parametrize(("sku", "delta", "reason", "field"), [
    ("NO-SUCH-SKU", 1, "count", "sku"),
    (None, 0, "count", "delta"),
    (None, 10**7, "count", "delta"),
    (None, "1.5", "count", "delta"),
    (None, 1, "", "reason"),
    (None, 1, "x" * 201, "reason"),
])
def test_a_bad_adjustment_names_its_field(system, sku, delta, reason, field):
    [a] = _skus(system, 5)
    with pytest.raises(Invalid) as refused:
        system.inventory.adjust(sku or _code(system, a), delta, reason)
    assert set(refused.value.errors) == {field}
    assert _level(system, a) == (5, 0)


@pytest.mark.parametrize("values", [
    {"on_hand": -1, "reserved": 0},
    {"reserved": -1},
    {"on_hand": 2, "reserved": 3},
])
def test_the_database_refuses_negative_stock_whatever_writes_it(system, values):
    [a] = _skus(system, 5)
    with pytest.raises(IntegrityError), system._session.begin_nested():
        system._session.execute(update(StockLevel).where(StockLevel.sku_id == a).values(**values))
    assert _level(system, a) == (5, 0)


def test_available_is_zero_for_unknown_skus_and_ignores_hostile_keys(system):
    [a] = _skus(system, 5)
    assert system.inventory.available([a, 10**6, -1, 2**40, "x"]) == {a: 5, 10**6: 0}


def test_a_new_products_stock_is_an_opening_movement(system):
    factories.attributes(system)
    factories.category(system, "shirts")
    card = factories.product(system, "shirts", stock=4)
    [sku_id] = system._session.scalars(select(Sku.id).where(Sku.product_id == card.id))
    assert _level(system, sku_id) == (4, 0)
    movement = system._session.scalars(select(StockMovement).where(
        StockMovement.sku_id == sku_id)).one()
    assert (movement.reason, movement.delta, movement.actor) == ("opening", 4, "system:tests")
    assert card.in_stock


def _in_stock(shop, slug: str) -> bool:
    with shop.transaction() as tx:
        [card] = [c for c in tx.catalog.category_page("shirts", {}).products if c.slug == slug]
        return card.in_stock


def test_the_listing_follows_stock_once_the_events_are_dispatched(shop):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        [a] = _skus(tx, 2)
        slug = tx._session.scalar(text("SELECT slug FROM product ORDER BY id DESC LIMIT 1"))
    dispatch_events(shop)
    assert _in_stock(shop, slug)

    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        tx._stock.reserve(ORDER, [StockLine(a, 2)], _expiry(tx))
    assert _in_stock(shop, slug)  # not in the reserving statement: after the event
    assert dispatch_events(shop).handled == 1
    assert not _in_stock(shop, slug)
    with shop.transaction() as tx:  # the product page reads what can be sold as it is now
        page = tx.catalog.product_page(slug)
        assert (page.sku.available, page.sku.stock_status) == (0, "out")

    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        tx._stock.release(ORDER)
    dispatch_events(shop)
    assert _in_stock(shop, slug)


def test_only_the_system_runs_the_stock_handler_step(system):
    [a] = _skus(system, 1)
    for permissions in ((), (Permission.CATALOG_WRITE, Permission.STOCK_MANAGE)):
        with pytest.raises(Forbidden):
            _staff(system, *permissions).catalog.on_stock_changed(a)


def test_a_new_skus_opening_stock_is_bounded_like_an_adjustment(system):
    factories.attributes(system)
    factories.category(system, "shirts")
    with pytest.raises(Invalid) as refused:
        factories.product(system, "shirts", stock=2**31)
    assert set(refused.value.errors) == {"skus.0.stock_on_hand"}


#: One step of a random history: (what, owner number, SKU index, quantity).
_STEPS = st.tuples(st.sampled_from(["reserve", "release", "deduct", "adjust"]),
                   st.integers(0, 3), st.integers(0, 1), st.integers(-4, 4))


def test_no_history_of_steps_breaks_the_stock_invariants(system):
    """Whatever mix of reservations, releases, deductions and adjustments: nothing negative,
    never more reserved than on hand, reserved equals the active reservations, and the log
    sums to the levels."""
    skus = _skus(system, 4, 2)

    @examples(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(_STEPS, max_size=12))
    def history(steps: list[tuple[str, int, int, int]]) -> None:
        savepoint = system._session.begin_nested()
        try:
            for step, owner_number, index, quantity in steps:
                owner, sku_id = Owner("order", f"H{owner_number}"), skus[index]
                try:
                    if step == "reserve":
                        system._stock.reserve(owner, [StockLine(sku_id, quantity)],
                                              _expiry(system))
                    elif step == "adjust":
                        system.inventory.adjust(_code(system, sku_id), quantity, "count")
                    else:
                        getattr(system._stock, step)(owner)
                except (Conflict, Invalid):
                    pass
            for sku_id in skus:
                on_hand, reserved = _level(system, sku_id)
                assert 0 <= reserved <= on_hand
                held = system._session.scalar(select(func.coalesce(func.sum(
                    StockReservation.quantity), 0)).where(StockReservation.sku_id == sku_id,
                                                          StockReservation.state == "active"))
                logged = system._session.execute(select(
                    func.sum(StockMovement.delta), func.sum(StockMovement.reserved_delta))
                    .where(StockMovement.sku_id == sku_id)).one()
                assert (held, tuple(logged)) == (reserved, (on_hand, reserved))
        finally:
            savepoint.rollback()

    history()


def test_the_demo_load_writes_stock_the_log_and_the_flags_it_implies(system):
    system.demo.load(30)
    session = system._session
    skus = session.scalar(select(func.count()).select_from(Sku))
    assert session.scalar(select(func.count()).select_from(StockLevel)) == skus
    unlogged = session.scalar(text(
        "SELECT count(*) FROM stock_level l WHERE l.on_hand <> (SELECT coalesce(sum(delta), 0) "
        "FROM stock_movement m WHERE m.sku_id = l.sku_id)"))
    wrong_flags = session.scalar(text(
        "SELECT count(*) FROM product p WHERE p.in_stock <> EXISTS (SELECT 1 FROM sku s "
        "JOIN stock_level l ON l.sku_id = s.id WHERE s.product_id = p.id "
        "AND l.on_hand > l.reserved)"))
    sold_out = session.scalar(text("SELECT count(*) FROM stock_level WHERE on_hand = 0"))
    assert (unlogged, wrong_flags) == (0, 0) and 0 < sold_out < skus
