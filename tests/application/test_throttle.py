"""The throttle through the library path: every failure stays counted when the caller's block
raises and rolls back, on the tests' shared connection and on a real engine alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shop.application import Invalid, Shop, Throttled
from shop.application.security.throttle import LONGEST_WINDOW, Limit, Rule, Throttle
from shop.data import make_engine
from shop.data.models import ThrottleEvent
from tests import staff_factories as sf
from tests.accounts_support import STRONG_PASSWORD, latest_code, register_email, unit

EMAIL = "zhou@example.com"


def _library(shop, call, **kw):
    """``call(tx)`` in ``shop.transaction()``: the integrator's way, which rolls back when the
    call raises. Returns the result or the error."""
    try:
        with shop.transaction(**kw) as tx:
            return call(tx)
    except (Invalid, Throttled) as exc:
        return exc


def _log_in(shop, password):
    return _library(shop, lambda tx: tx.accounts.log_in(
        {"identifier": EMAIL, "password": password}))


def _five_wrong_then_the_right_password(shop):
    register_email(shop, EMAIL)
    for _ in range(5):
        assert isinstance(_log_in(shop, "a wrong guess, rolled back"), Invalid)
    return _log_in(shop, STRONG_PASSWORD)


def test_failed_logins_rolled_back_by_the_caller_still_lock(shop, clock):
    assert isinstance(_five_wrong_then_the_right_password(shop), Throttled)
    clock.advance(minutes=16)
    assert _log_in(shop, STRONG_PASSWORD).customer_id


def test_the_lock_start_is_audited_though_the_caller_rolled_back(shop):
    _five_wrong_then_the_right_password(shop)
    with shop.transaction(actor=shop.system_actor("t")) as tx:
        locks = [e for e in tx._audit.entries(limit=20) if e.action == "accounts.login.locked"]
    assert sorted(e.after["scope"] for e in locks) == ["account", "identifier"]


def test_failed_staff_logins_rolled_back_by_the_caller_still_lock(shop, clock):
    with shop.transaction(actor=shop.system_actor("t")) as tx:
        sf.staff(tx, ["finance"], username="ma")

    def log_in(password):
        return _library(shop, lambda tx: tx.staff.login({"username": "ma",
                                                         "password": password}))

    for _ in range(5):
        assert isinstance(log_in("wrong-password-0"), Invalid)
    assert isinstance(log_in(sf.PASSWORD), Throttled)
    clock.advance(minutes=16)
    assert log_in(sf.PASSWORD).staff.username == "ma"


def test_wrong_codes_rolled_back_by_the_caller_still_use_the_code_up(shop):
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"email": EMAIL})
    code = latest_code(shop, EMAIL)
    form = {"email": EMAIL, "password": STRONG_PASSWORD}
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        error = _library(shop, lambda tx: tx.accounts.register({**form, "code": wrong}))
        assert isinstance(error, Invalid)
    error = _library(shop, lambda tx: tx.accounts.register({**form, "code": code}))
    assert isinstance(error, Invalid) and "too often" in error.errors["code"].interpolate()


def test_wrong_current_passwords_rolled_back_by_the_caller_still_lock(shop):
    signed_in = register_email(shop, EMAIL)
    with shop.transaction() as tx:
        actor = tx.identify(signed_in.grant.token)

    def change(current):
        return _library(shop, lambda tx: tx.accounts.change_password(
            {"current_password": current, "new_password": "a brand new passphrase 7"},
            current_token=signed_in.grant.token), actor=actor)

    for _ in range(5):
        assert isinstance(change("not my password at all"), Invalid)
    assert isinstance(change(STRONG_PASSWORD), Throttled)


def test_a_committed_failure_is_counted_once(shop):
    register_email(shop, EMAIL)
    # As a web form does: the error is caught (and rendered) and the transaction commits.
    with unit(shop) as uow, pytest.raises(Invalid):
        uow.accounts.log_in({"identifier": EMAIL, "password": "a wrong guess"})
    with unit(shop) as uow:
        assert uow._session.scalar(select(func.count()).select_from(ThrottleEvent).where(
            ThrottleEvent.key == f"login:identifier:{EMAIL}")) == 1


def test_a_real_engine_counts_the_failures_after_the_rollback(own_database, settings, clock):
    # A short busy timeout: had the second write waited for the first transaction's SQLite write
    # lock, it would fail at once and the lock below would not happen.
    options = {"busy_timeout_ms": 50} if own_database.startswith("sqlite") else {}
    shop = Shop(make_engine(own_database, **options), settings, clock=clock)
    try:
        shop.upgrade_database()
        assert isinstance(_five_wrong_then_the_right_password(shop), Throttled)
    finally:
        shop.dispose()


def test_purge_deletes_only_what_no_rule_can_count(shop, clock):
    rule = Rule("test:purge", Limit(3, LONGEST_WINDOW), "test")
    with shop.transaction() as tx:
        Throttle(tx).count([rule])
    clock.advance(LONGEST_WINDOW - timedelta(seconds=1))
    with shop.transaction() as tx:
        Throttle(tx).count([rule])
    clock.advance(seconds=2)
    with shop.transaction() as tx:
        assert Throttle(tx).purge_expired(limit=10) == 1
        assert len(tx._session.scalars(select(ThrottleEvent).where(
            ThrottleEvent.key == "test:purge")).all()) == 1


def test_no_limit_looks_back_further_than_the_purge_keeps():
    with pytest.raises(ValueError, match="at most"):
        Limit(1, LONGEST_WINDOW + timedelta(seconds=1))
