"""Staff login: one answer for every failure, rehash, session rotation, throttling."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shop.application import Invalid, ShopError, Throttled, UnitOfWork
from shop.data.models import Customer, Staff
from tests import staff_factories as sf


def attempt(tx, username, password=sf.PASSWORD, ip="198.51.100.7", **kw):
    """A login from ``ip`` in ``tx``'s transaction: the ``StaffSignedIn``, or the error raised."""
    uow = UnitOfWork(tx.shop, tx._session, tx.actor, "en", ip)
    try:
        return uow.staff.login({"username": username, "password": password}, **kw)
    except ShopError as exc:
        return exc


def wrong(answer):
    return isinstance(answer, Invalid) and {k: str(v) for k, v in answer.errors.items()} == \
        {"_": "Wrong username or password"}


@pytest.fixture
def member(system):
    return sf.staff(system, ["finance"], username="lin")


def test_login_starts_a_staff_session_and_audits(system, member):
    signed_in = attempt(system, " LIN ")
    assert signed_in.staff.username == "lin"
    assert system.identify(signed_in.grant.token).name == "staff:lin"
    assert system.staff.get_staff(member.id).last_login_at is not None
    login = [e for e in system._audit.entries(limit=10) if e.action == "staff.login"]
    assert login[0].actor_name == "staff:lin" and login[0].ip == "198.51.100.7"


def test_every_failure_gives_the_same_answer(system, member):
    sf.staff(system, ["finance"], username="gone")
    system.staff.update_staff(system.staff.list_staff({"q": "gone"}).items[0].id,
                              {"is_active": False})
    answers = {
        "wrong password": attempt(system, "lin", "not-the-password-1"),
        "unknown user": attempt(system, "nobody-here"),
        "deactivated": attempt(system, "gone"),
    }
    assert all(wrong(a) for a in answers.values())


def test_empty_fields_are_named(system):
    with pytest.raises(Invalid) as caught:
        system.staff.login({"username": "", "password": ""})
    assert set(caught.value.errors) == {"username", "password"}


def test_login_ends_the_previous_session(system, member):
    shopper_session = sf.session(system, "customer", sf.customer(system))
    signed_in = attempt(system, "lin", previous_session=shopper_session.token)
    assert signed_in.staff.username == "lin"
    assert system.sessions.principal(shopper_session.token) is None


def test_old_parameters_are_rehashed_at_login(system, member):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    system._session.get(Staff, member.id).password_hash = weak.hash(sf.PASSWORD)
    assert attempt(system, "lin").staff.id == member.id
    stored = system._session.get(Staff, member.id).password_hash
    assert not system.shop.passwords.needs_rehash(stored)
    assert attempt(system, "lin").staff.id == member.id


def test_a_shopper_cannot_log_in_as_staff(system):
    customer_id = sf.customer(system)
    email = system._session.get(Customer, customer_id).email
    assert wrong(attempt(system, email))


def test_five_failures_lock_the_username_then_the_lock_expires(system, member, clock):
    for _ in range(5):
        assert wrong(attempt(system, "lin", "wrong-password-0"))
    locked = attempt(system, "lin")  # even the right password waits
    assert isinstance(locked, Throttled) and 0 < locked.retry_after <= 15 * 60
    assert "try again" in locked.message.interpolate()
    # Other usernames from another address are not affected.
    assert wrong(attempt(system, "lin-other", ip="203.0.113.9"))
    clock.advance(minutes=16)
    assert attempt(system, "lin").staff.id == member.id


def test_unknown_usernames_lock_like_known_ones(system):
    for _ in range(5):
        attempt(system, "ghost", "whatever-it-is-1")
    assert isinstance(attempt(system, "ghost"), Throttled)


def test_many_failures_from_one_address_lock_that_address(system, member):
    for i in range(20):
        attempt(system, f"guess{i}", "wrong-password-0", ip="192.0.2.50")
    assert isinstance(attempt(system, "lin", ip="192.0.2.50"), Throttled)
    assert attempt(system, "lin", ip="192.0.2.51").staff.id == member.id


def test_success_clears_the_usernames_failures(system, member):
    for _ in range(4):
        attempt(system, "lin", "wrong-password-0")
    assert attempt(system, "lin").staff.id == member.id
    for _ in range(4):
        attempt(system, "lin", "wrong-password-0")
    assert attempt(system, "lin").staff.id == member.id


def test_logout_ends_the_session(system, member):
    signed_in = attempt(system, "lin")
    uow = UnitOfWork(system.shop, system._session, system.identify(signed_in.grant.token), "en")
    uow.staff.logout(signed_in.grant.token)
    assert system.identify(signed_in.grant.token).kind == "anonymous"
    assert any(e.action == "staff.logout" for e in system._audit.entries(limit=5))
