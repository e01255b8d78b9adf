"""The shopper's own account: details, password, a new email or mobile confirmed by code."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shop.application import Forbidden, Invalid
from shop.data.models import AuditEntry, Customer
from tests.accounts_support import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    attempt,
    latest_code,
    messages_to,
    register_email,
    register_mobile,
    unit,
)


@pytest.fixture
def alice(shop, clock):
    return register_email(shop, "alice@example.com", name="Alice")


@pytest.fixture
def bob(shop, clock):
    return register_mobile(shop, "13700137000", name="Bob", ip="198.51.100.2")


def test_only_a_signed_in_shopper_has_a_profile(shop, system):
    with unit(shop) as uow, pytest.raises(Forbidden):
        uow.accounts.profile()
    with pytest.raises(Forbidden):
        system.accounts.profile()
    assert system.accounts.badge() is None


def test_each_shopper_sees_only_their_own_profile(shop, alice, bob):
    with unit(shop, token=alice.grant.token) as uow:
        profile = uow.accounts.profile()
        assert (profile.id, profile.email, profile.name) == (alice.customer_id,
                                                             "alice@example.com", "Alice")
        assert uow.accounts.badge().display_name == "Alice"
        # An id in the input changes nothing: the account is the actor's.
        uow.accounts.update_profile({"id": bob.customer_id, "customer_id": bob.customer_id,
                                     "name": "Alice Liddell"})
    with unit(shop, token=bob.grant.token) as uow:
        assert uow.accounts.profile().name == "Bob"


def test_update_profile_completes_it_and_is_audited(shop, alice):
    with unit(shop, token=alice.grant.token) as uow:
        view = uow.accounts.update_profile({"name": " Alice Li ", "gender": "female",
                                            "birthday": "1995-02-03", "is_staff": "true"})
    assert (view.name, view.gender, view.birthday) == ("Alice Li", "female", date(1995, 2, 3))
    assert view.profile_completed is True
    with unit(shop) as uow:
        entry = uow._session.scalars(select(AuditEntry).where(
            AuditEntry.action == "accounts.profile.update")).one()
        assert entry.before == {"name": "Alice", "gender": None, "birthday": None}
        assert entry.after["birthday"] == "1995-02-03"
        assert entry.actor_kind == "shopper" and entry.actor_id == alice.customer_id
    with unit(shop, token=alice.grant.token) as uow:
        assert uow.accounts.update_profile({"name": "Alice"}).profile_completed is False


def test_bad_profile_input_is_named(shop, alice):
    error = attempt(shop, lambda uow: uow.accounts.update_profile(
        {"gender": "x", "birthday": "yesterday"}), token=alice.grant.token)
    assert set(error.errors) == {"gender", "birthday"}


def test_change_password_ends_other_sessions_and_rotates_this_one(shop, alice):
    elsewhere = attempt(shop, lambda uow: uow.accounts.log_in(
        {"identifier": "alice@example.com", "password": STRONG_PASSWORD}))
    wrong = attempt(shop, lambda uow: uow.accounts.change_password(
        {"current_password": "not my password", "new_password": OTHER_PASSWORD},
        current_token=alice.grant.token), token=alice.grant.token)
    assert isinstance(wrong, Invalid) and set(wrong.errors) == {"current_password"}
    weak = attempt(shop, lambda uow: uow.accounts.change_password(
        {"current_password": STRONG_PASSWORD, "new_password": "alice-in-wonderland"},
        current_token=alice.grant.token), token=alice.grant.token)
    assert isinstance(weak, Invalid) and set(weak.errors) == {"new_password"}
    with unit(shop, token=alice.grant.token) as uow:
        grant = uow.accounts.change_password(
            {"current_password": STRONG_PASSWORD, "new_password": OTHER_PASSWORD},
            current_token=alice.grant.token)
    assert grant.token != alice.grant.token
    for old in (alice.grant.token, elsewhere.grant.token):
        with unit(shop, token=old) as uow:
            assert uow.actor.kind == "anonymous"
    with unit(shop, token=grant.token) as uow:
        assert uow.actor.id == alice.customer_id


def test_a_new_email_is_stored_only_after_its_code_returns(shop, clock, alice):
    with unit(shop, token=alice.grant.token) as uow:
        sent = uow.accounts.request_contact_change({"channel": "email",
                                                    "email": "Alice@New.example"})
    assert sent.destination == "alice@new.example"
    with unit(shop, token=alice.grant.token) as uow:
        assert uow.accounts.profile().email == "alice@example.com"
    code = latest_code(shop, "alice@new.example")
    wrong = attempt(shop, lambda uow: uow.accounts.confirm_contact_change(
        {"channel": "email", "email": "alice@new.example", "code": "000000"
         if code != "000000" else "111111"}), token=alice.grant.token)
    assert isinstance(wrong, Invalid) and set(wrong.errors) == {"code"}
    with unit(shop, token=alice.grant.token) as uow:
        view = uow.accounts.confirm_contact_change(
            {"channel": "email", "email": "alice@new.example", "code": code})
    assert view.email == "alice@new.example"
    assert "alice@new.example" in messages_to(shop, "alice@example.com")[-1].body
    with unit(shop) as uow:
        assert uow._session.get(Customer, alice.customer_id).email_verified_at == clock.at


def test_another_shoppers_code_does_not_work(shop, clock, alice, bob):
    with unit(shop, token=alice.grant.token) as uow:
        uow.accounts.request_contact_change({"mobile": "13600136000"})
    code = latest_code(shop, "+8613600136000")
    stolen = attempt(shop, lambda uow: uow.accounts.confirm_contact_change(
        {"mobile": "13600136000", "code": code}), token=bob.grant.token)
    assert isinstance(stolen, Invalid) and set(stolen.errors) == {"code"}


def test_a_taken_address_gets_the_same_answer_and_no_code(shop, clock, alice, bob):
    clock.advance(seconds=61)  # Bob's registration code went to his number just now
    before = len(messages_to(shop, "+8613700137000"))
    with unit(shop, token=alice.grant.token) as uow:
        taken = uow.accounts.request_contact_change({"mobile": "13700137000"})
        free = uow.accounts.request_contact_change({"mobile": "13500135000"})
    assert (taken.channel, free.channel) == ("mobile", "mobile")
    assert len(messages_to(shop, "+8613700137000")) == before
    assert len(messages_to(shop, "+8613500135000")) == 1


def test_the_same_address_is_refused(shop, alice):
    error = attempt(shop, lambda uow: uow.accounts.request_contact_change(
        {"email": "alice@example.com"}), token=alice.grant.token)
    assert isinstance(error, Invalid) and set(error.errors) == {"email"}


def test_an_address_taken_meanwhile_is_not_stored(shop, clock, alice):
    with unit(shop, token=alice.grant.token) as uow:
        uow.accounts.request_contact_change({"mobile": "13600136000"})
    code = latest_code(shop, "+8613600136000")
    clock.advance(seconds=61)
    register_mobile(shop, "13600136000", ip="198.51.100.3")  # someone else gets there first
    error = attempt(shop, lambda uow: uow.accounts.confirm_contact_change(
        {"mobile": "13600136000", "code": code}), token=alice.grant.token)
    assert isinstance(error, Invalid) and set(error.errors) == {"mobile"}
    with unit(shop, token=alice.grant.token) as uow:
        assert uow.accounts.profile().mobile is None
