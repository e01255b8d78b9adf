"""Registration gift and referral reward: amounts from settings, granted once, balance = journal."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import text

from shop.application import Forbidden, NotFound, Shop, UnitOfWork
from shop.application.rewards.service import REFERRAL_POINTS_SETTING
from tests.committed import journal_unlocked
from tests.shoppers import new_customer
from tests.staff_factories import acting, staff


def hook(shop, name, customer_id):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        return getattr(tx.rewards, name)(customer_id)


def balance(shop, customer_id):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        return tx.rewards.balance(customer_id)


def test_the_registration_gift_is_granted_once(shop):
    customer_id = new_customer(shop)
    first = hook(shop, "on_registered", customer_id)
    again = hook(shop, "on_registered", customer_id)
    assert (first.granted, first.points) == (True, 100)
    assert (again.granted, again.points) == (False, 0)
    assert balance(shop, customer_id) == 100


@pytest.mark.parametrize("hook_name", ["on_registered", "on_first_order_paid"])
def test_no_public_unit_of_work_can_grant_points(shop, system, hook_name):
    """The grants are internal hooks for event handlers: a visitor, a shopper, or a staff
    member holding every permission is refused, and nothing is written."""
    referrer = new_customer(shop)
    customer_id = new_customer(shop, referred_by_id=referrer)
    admin = staff(system, ["administrator"])
    with shop.transaction() as anonymous:
        shopper = anonymous.accounts.actor_for(customer_id)
        for uow in (anonymous, UnitOfWork(shop, anonymous._session, shopper, "en"),
                    acting(system, admin)):
            with pytest.raises(Forbidden):
                getattr(uow.rewards, hook_name)(customer_id)
    assert balance(shop, customer_id) == balance(shop, referrer) == 0


def test_the_gift_is_granted_in_the_name_of_the_event_handler(shop):
    customer_id = new_customer(shop)
    with shop.transaction(actor=shop.system_actor("events")) as tx:
        assert tx.rewards.on_registered(customer_id).granted
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        entries = tx._audit.entries(action_prefix="rewards.points.grant")
    assert entries[0].actor_name == "system:events"
    assert entries[0].after == {"points": 100, "reason": "registration_gift",
                                "reference": f"registration-gift:{customer_id}"}


@pytest.mark.parametrize("settings", [{"shop.rewards.registration_points": "30"}])
def test_the_gift_comes_from_the_settings(shop):
    customer_id = new_customer(shop)
    assert hook(shop, "on_registered", customer_id).points == 30


@pytest.mark.parametrize("settings", [{"shop.rewards.registration_points": "0"}])
def test_a_zero_gift_writes_nothing(shop):
    customer_id = new_customer(shop)
    assert not hook(shop, "on_registered", customer_id).granted
    assert balance(shop, customer_id) == 0


def test_an_unknown_account_is_not_found(shop):
    with pytest.raises(NotFound):
        hook(shop, "on_registered", 987654)
    with pytest.raises(NotFound):
        hook(shop, "on_first_order_paid", 987654)


def test_the_referrer_earns_once_when_the_referred_first_order_is_paid(shop):
    referrer = new_customer(shop)
    referred = new_customer(shop, referred_by_id=referrer)
    first = hook(shop, "on_first_order_paid", referred)
    again = hook(shop, "on_first_order_paid", referred)
    assert (first.customer_id, first.points, first.granted) == (referrer, 200, True)
    assert not again.granted
    assert balance(shop, referrer) == 200
    assert balance(shop, referred) == 0


@pytest.mark.parametrize("settings", [{REFERRAL_POINTS_SETTING: "55"}])
def test_two_referred_friends_earn_twice(shop):
    referrer = new_customer(shop)
    for _ in range(2):
        hook(shop, "on_first_order_paid", new_customer(shop, referred_by_id=referrer))
    assert balance(shop, referrer) == 110


def test_an_account_nobody_referred_earns_nobody_anything(shop):
    customer_id = new_customer(shop)
    outcome = hook(shop, "on_first_order_paid", customer_id)
    assert (outcome.customer_id, outcome.granted) == (None, False)


def test_the_balance_is_the_sum_of_the_journal(shop):
    referrer = new_customer(shop)
    hook(shop, "on_registered", referrer)
    hook(shop, "on_first_order_paid", new_customer(shop, referred_by_id=referrer))
    assert balance(shop, referrer) == 300
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        rows = tx._session.execute(text(
            "SELECT e.amount FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id "
            "WHERE a.customer_id = :c AND e.direction = 'credit'"), {"c": referrer}).scalars()
    assert sorted(rows) == [100, 200]


def test_a_shopper_sees_their_own_summary_only(shop):
    customer_id = new_customer(shop)
    other = new_customer(shop)
    hook(shop, "on_registered", customer_id)
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor=actor) as tx:
        summary = tx.rewards.my_rewards()
        assert tx.rewards.balance(customer_id) == 100
        with pytest.raises(Forbidden):
            tx.rewards.balance(other)
    assert summary.balance == 100
    assert [(line.delta, line.reason) for line in summary.recent] == [(100, "registration_gift")]
    assert summary.recent[0].label.interpolate() == "Registration gift"
    assert summary.recent[0].created_at.utcoffset() == timedelta(hours=8)  # Asia/Shanghai
    with pytest.raises(Forbidden), shop.transaction() as tx:
        tx.rewards.my_rewards()


def test_two_transactions_granting_at_once_grant_once(engine, settings):
    """Both see no gift yet; the unique reference lets one insert win, the other says "already".

    On PostgreSQL the second insert waits on the first one's uncommitted key and fails when it
    commits; on SQLite the second transaction waits for the write lock and then sees the row.
    """
    shop = Shop(engine, settings)
    customer_id = new_customer(shop)
    results: dict[str, object] = {}
    first_granted = threading.Event()

    def first() -> None:
        with shop.transaction(actor=shop.system_actor("first")) as tx:
            results["first"] = tx.rewards.on_registered(customer_id)
            first_granted.set()
            _wait_until_another_waits(engine)

    def second() -> None:
        first_granted.wait(10)
        with shop.transaction(actor=shop.system_actor("second")) as tx:
            results["second"] = tx.rewards.on_registered(customer_id)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(r.granted for r in results.values()) == [False, True]
        assert balance(shop, customer_id) == 100
    finally:
        with engine.begin() as connection, journal_unlocked(connection):
            for statement in ("DELETE FROM ledger_entry WHERE account_id IN (SELECT id FROM "
                              "ledger_account WHERE customer_id = :c) OR counter_account_id "
                              "IN (SELECT id FROM ledger_account WHERE customer_id = :c)",
                              "DELETE FROM ledger_account WHERE customer_id = :c",
                              "DELETE FROM audit_entry WHERE entity_type = 'customer' "
                              "AND entity_id = CAST(:c AS VARCHAR(40))",
                              "DELETE FROM customer WHERE id = :c"):
                connection.execute(text(statement), {"c": customer_id})


def _wait_until_another_waits(engine) -> None:
    """Hold the first transaction open until the second is blocked behind it."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)  # SQLite: the second is queued on the write lock by then
        return
    deadline = time.monotonic() + 10
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            connection.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second transaction never waited on the first")
