"""Login and logout: any login name, remember me, rehashing, throttling without enumeration."""

from __future__ import annotations

from collections import Counter

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from shop.application import Invalid, Throttled
from shop.data.models import AuditEntry, Customer, ThrottleEvent
from tests.accounts_support import (
    STRONG_PASSWORD,
    attempt,
    register_email,
    register_mobile,
    unit,
)


@pytest.fixture
def customer_id(shop, clock):
    signed_in = register_email(shop, "wang@example.com")
    with unit(shop) as uow:
        customer = uow._session.get(Customer, signed_in.customer_id)
        customer.mobile, customer.username = "+8613800138000", "wangfang"
    return signed_in.customer_id


def log_in(shop, identifier, password=STRONG_PASSWORD, **kw):
    ip = kw.pop("ip", "203.0.113.7")
    return attempt(shop, lambda uow: uow.accounts.log_in(
        {"identifier": identifier, "password": password, **kw}), ip=ip)


@pytest.mark.parametrize("identifier", [
    "wang@example.com", "WANG@Example.com ", "13800138000", "+86 138 0013 8000", "wangfang"])
def test_log_in_with_any_login_name(shop, customer_id, identifier):
    signed_in = log_in(shop, identifier)
    assert signed_in.customer_id == customer_id
    with unit(shop, token=signed_in.grant.token) as uow:
        assert uow.actor.id == customer_id


def test_remember_me_makes_a_thirty_day_session(shop, customer_id):
    assert log_in(shop, "wangfang").grant.max_age is None
    assert log_in(shop, "wangfang", remember="true").grant.max_age == 30 * 24 * 3600


def test_wrong_password_and_unknown_account_answer_alike(shop, customer_id):
    wrong = log_in(shop, "wang@example.com", "not the password at all")
    unknown = log_in(shop, "nobody@example.com", "not the password at all")
    assert isinstance(wrong, Invalid) and isinstance(unknown, Invalid)
    assert {k: v.interpolate() for k, v in wrong.errors.items()} == \
        {k: v.interpolate() for k, v in unknown.errors.items()}


def test_a_deactivated_account_cannot_log_in(shop, customer_id):
    with unit(shop) as uow:
        uow._session.get(Customer, customer_id).is_active = False
    assert isinstance(log_in(shop, "wangfang"), Invalid)


def test_logging_in_ends_the_token_the_visitor_had(shop, customer_id):
    first = log_in(shop, "wangfang")
    second = attempt(shop, lambda uow: uow.accounts.log_in(
        {"identifier": "wangfang", "password": STRONG_PASSWORD},
        current_token=first.grant.token))
    assert second.grant.token != first.grant.token
    with unit(shop, token=first.grant.token) as uow:
        assert uow.actor.kind == "anonymous"


def test_log_out_ends_the_session(shop, customer_id):
    token = log_in(shop, "wangfang").grant.token
    with unit(shop, token=token) as uow:
        uow.accounts.log_out(token)
    with unit(shop, token=token) as uow:
        assert uow.actor.kind == "anonymous"


def test_an_old_hash_is_upgraded_at_login(shop, customer_id):
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with unit(shop) as uow:
        uow._session.get(Customer, customer_id).password_hash = weaker.hash(STRONG_PASSWORD)
    log_in(shop, "wangfang")
    with unit(shop) as uow:
        stored = uow._session.get(Customer, customer_id).password_hash
    assert not shop.passwords.needs_rehash(stored)
    assert shop.passwords.verify(stored, STRONG_PASSWORD)


def _failures(shop, identifier, n, **kw):
    for _ in range(n):
        assert isinstance(log_in(shop, identifier, "wrong password here", **kw), Invalid)


def _locks(shop):
    with unit(shop) as uow:
        found = uow._session.scalars(select(AuditEntry).where(
            AuditEntry.action == "accounts.login.locked")).all()
        uow._session.expunge_all()
        return found


def _events(shop, key):
    with unit(shop) as uow:
        return len(uow._session.scalars(select(ThrottleEvent).where(
            ThrottleEvent.key == key)).all())


def test_five_failures_lock_the_account_for_fifteen_minutes(shop, clock, customer_id):
    _failures(shop, "wang@example.com", 5)
    locked = log_in(shop, "wang@example.com")  # even the right password
    assert isinstance(locked, Throttled) and 14 * 60 < locked.retry_after <= 15 * 60
    # The lock is on the account too: its other login names wait as well.
    assert isinstance(log_in(shop, "wangfang"), Throttled)
    assert isinstance(log_in(shop, "13800138000"), Throttled)
    entries = _locks(shop)
    assert {e.after["scope"] for e in entries} == {"identifier", "account"}
    assert {e.entity_id for e in entries} == {str(customer_id)}
    assert _events(shop, "login:identifier:wang@example.com") == 5
    assert _events(shop, f"login:account:{customer_id}") == 5
    clock.advance(minutes=15, seconds=1)
    assert log_in(shop, "wang@example.com").customer_id == customer_id


def test_guesses_spread_over_an_accounts_names_share_one_budget(shop, clock, customer_id):
    for identifier in ("wang@example.com", "wangfang", "13800138000", "wangfang",
                       "wang@example.com"):
        assert isinstance(log_in(shop, identifier, "wrong password here"), Invalid)
    for identifier in ("wang@example.com", "wangfang", "+86 138 0013 8000"):
        assert isinstance(log_in(shop, identifier), Throttled)
    # Another account is not held up by it.
    register_email(shop, "li@example.com")
    assert log_in(shop, "li@example.com").customer_id != customer_id


def test_a_library_caller_gives_the_visitors_address_to_the_address_rule(shop, clock,
                                                                          customer_id):
    """An integrator serving logins through ``Shop.transaction`` keeps the per-address lock."""
    for n in range(30):
        with pytest.raises(Invalid), shop.transaction(client_ip="198.51.100.9") as tx:
            tx.accounts.log_in({"identifier": f"guess{n}@example.com",
                                "password": "wrong password here"})
    with pytest.raises(Throttled), shop.transaction(client_ip="198.51.100.9") as tx:
        tx.accounts.log_in({"identifier": "wangfang", "password": STRONG_PASSWORD})
    with shop.transaction(client_ip="198.51.100.10") as tx:
        assert tx.accounts.log_in({"identifier": "wangfang",
                                   "password": STRONG_PASSWORD}).customer_id == customer_id


def test_login_failures_do_not_touch_the_password_check_budget(shop, clock, customer_id):
    """An identifier that looks like another namespace's key is only an identifier."""
    budget = f"password-check:customer:{customer_id}"
    _failures(shop, f"customer:{customer_id}", 5)
    _failures(shop, budget, 5)
    with unit(shop) as uow:
        counted = Counter(key for key in uow._session.scalars(select(ThrottleEvent.key))
                          if not key.startswith("code:send:"))  # the registration's code
    assert counted == {f"login:identifier:customer:{customer_id}": 5,
                       f"login:identifier:{budget}": 5, "login:ip:203.0.113.7": 10}
    token = log_in(shop, "wangfang").grant.token
    with unit(shop, token=token) as uow:
        uow.accounts.change_password({"current_password": STRONG_PASSWORD,
                                      "new_password": "a brand new passphrase 7"},
                                     current_token=token)


def test_an_unknown_account_locks_the_same_way(shop, clock, customer_id):
    _failures(shop, "ghost@example.com", 5)
    known, unknown = log_in(shop, "wang@example.com", "wrong password here"), \
        log_in(shop, "ghost@example.com")
    assert isinstance(unknown, Throttled) and isinstance(known, Invalid)
    [entry] = _locks(shop)
    assert entry.entity_id is None and entry.after["identifier"] == "ghost@example.com"
    assert entry.after["scope"] == "identifier"


def test_a_success_resets_the_count(shop, clock, customer_id):
    _failures(shop, "wangfang", 4)
    clock.advance(seconds=1)
    log_in(shop, "wangfang")
    clock.advance(seconds=1)
    _failures(shop, "wangfang", 4)
    clock.advance(seconds=1)
    assert log_in(shop, "wangfang").customer_id == customer_id


def test_thirty_failures_from_one_address_lock_the_address(shop, clock, customer_id):
    for n in range(30):
        _failures(shop, f"guess{n}@example.com", 1, ip="198.51.100.9")
    assert isinstance(log_in(shop, "wangfang", ip="198.51.100.9"), Throttled)
    assert log_in(shop, "wangfang", ip="198.51.100.10").customer_id == customer_id
    assert [e.after["scope"] for e in _locks(shop)] == ["ip"]
    clock.advance(minutes=16)
    assert log_in(shop, "wangfang", ip="198.51.100.9").customer_id == customer_id


def test_a_quick_account_logs_in_with_its_mobile(shop, clock):
    signed_in = register_mobile(shop, "13912345678")
    assert log_in(shop, "139 1234 5678").customer_id == signed_in.customer_id


def test_missing_fields_are_named(shop):
    error = attempt(shop, lambda uow: uow.accounts.log_in({}))
    assert set(error.errors) == {"identifier", "password"}
