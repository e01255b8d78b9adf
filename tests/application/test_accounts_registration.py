"""Registration: quick (mobile + SMS code), by email, full (with a profile), with a referral."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from shop.application import Invalid
from shop.application.accounts.codes import code_hash
from shop.application.security.throttle import Throttled
from shop.data.models import AuditEntry, Customer, OneTimeCode, OutboxMessage
from tests.accounts_support import (
    STRONG_PASSWORD,
    attempt,
    latest_code,
    messages_to,
    register_email,
    register_mobile,
    unit,
)

MOBILE = "+8613800138000"


def _customer(shop, **where):
    with unit(shop) as uow:
        found = uow._session.scalars(select(Customer).filter_by(**where)).first()
        uow._session.expunge_all()
        return found


def test_a_code_is_sent_by_sms_and_stored_hashed(shop, clock):
    with unit(shop) as uow:
        sent = uow.accounts.request_registration_code({"mobile": "138 0013 8000"})
    assert (sent.channel, sent.destination) == ("mobile", MOBILE)
    [message] = messages_to(shop, MOBILE)
    assert message.channel == "sms" and message.sent_at is None
    code = latest_code(shop, MOBILE)
    with unit(shop) as uow:
        row = uow._session.scalars(select(OneTimeCode)).one()
        assert row.code_hash == code_hash("register", MOBILE, code)
        assert code not in row.code_hash
        assert row.expires_at - row.created_at == timedelta(minutes=10)
        assert (row.purpose, row.channel, row.ip) == ("register", "sms", "203.0.113.7")


def test_quick_registration_creates_a_signed_in_account(shop, clock):
    signed_in = register_mobile(shop)
    customer = _customer(shop, id=signed_in.customer_id)
    assert customer.mobile == MOBILE and customer.mobile_verified_at == clock.at
    assert customer.email is None and customer.profile_completed is False
    assert shop.passwords.verify(customer.password_hash, STRONG_PASSWORD)
    assert signed_in.grant.max_age is None  # a browser-session cookie
    with unit(shop, token=signed_in.grant.token) as uow:
        assert uow.actor.kind == "shopper" and uow.actor.id == customer.id
        entry = uow._session.scalars(select(AuditEntry).where(
            AuditEntry.action == "accounts.customer.register")).one()
        assert entry.entity_id == str(customer.id)


def test_full_registration_by_email_completes_the_profile(shop, clock):
    signed_in = register_email(shop, "Li.Lei@Example.COM", name="李雷", gender="male",
                               birthday="1990-05-04")
    customer = _customer(shop, id=signed_in.customer_id)
    assert customer.email == "li.lei@example.com" and customer.email_verified_at is not None
    assert (customer.name, customer.gender, customer.birthday) == ("李雷", "male",
                                                                   date(1990, 5, 4))
    assert customer.profile_completed is True


def test_a_partial_profile_is_not_complete(shop, clock):
    signed_in = register_mobile(shop, name="Han Meimei")
    assert _customer(shop, id=signed_in.customer_id).profile_completed is False


def test_wrong_codes_count_and_the_fifth_kills_the_code(shop, clock):
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"mobile": MOBILE})
    code = latest_code(shop, MOBILE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    form = {"mobile": MOBILE, "password": STRONG_PASSWORD}
    for _ in range(5):
        error = attempt(shop, lambda uow: uow.accounts.register({**form, "code": wrong}))
        assert isinstance(error, Invalid) and "code" in error.errors
    error = attempt(shop, lambda uow: uow.accounts.register({**form, "code": code}))
    assert isinstance(error, Invalid)
    assert "too often" in error.errors["code"].interpolate()
    assert _customer(shop, mobile=MOBILE) is None


def test_an_expired_code_is_refused(shop, clock):
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"mobile": MOBILE})
    code = latest_code(shop, MOBILE)
    clock.advance(minutes=10, seconds=1)
    error = attempt(shop, lambda uow: uow.accounts.register(
        {"mobile": MOBILE, "code": code, "password": STRONG_PASSWORD}))
    assert isinstance(error, Invalid) and set(error.errors) == {"code"}


def test_a_code_works_once(shop, clock):
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"email": "once@example.com"})
    code = latest_code(shop, "once@example.com")
    form = {"email": "once@example.com", "code": code, "password": STRONG_PASSWORD}
    with unit(shop) as uow:
        uow.accounts.register(form)
    error = attempt(shop, lambda uow: uow.accounts.register(form))
    assert isinstance(error, Invalid) and set(error.errors) == {"code"}


def test_only_the_newest_code_counts(shop, clock):
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"mobile": MOBILE})
    first = latest_code(shop, MOBILE)
    clock.advance(seconds=61)
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"mobile": MOBILE})
    second = latest_code(shop, MOBILE)
    if first != second:
        error = attempt(shop, lambda uow: uow.accounts.register(
            {"mobile": MOBILE, "code": first, "password": STRONG_PASSWORD}))
        assert isinstance(error, Invalid)
    with unit(shop) as uow:
        uow.accounts.register({"mobile": MOBILE, "code": second, "password": STRONG_PASSWORD})


def test_a_weak_password_keeps_the_code_usable(shop, clock):
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"mobile": MOBILE})
    code = latest_code(shop, MOBILE)
    for weak in ("short", "password1234", "my13800138000pw"):
        error = attempt(shop, lambda uow, weak=weak: uow.accounts.register(
            {"mobile": MOBILE, "code": code, "password": weak}))
        assert isinstance(error, Invalid) and set(error.errors) == {"password"}
    with unit(shop) as uow:
        uow.accounts.register({"mobile": MOBILE, "code": code, "password": STRONG_PASSWORD})


def test_codes_are_rate_limited_per_number(shop, clock):
    ask = lambda uow: uow.accounts.request_registration_code({"mobile": MOBILE})  # noqa: E731
    assert not isinstance(attempt(shop, ask), Exception)
    too_soon = attempt(shop, ask)
    assert isinstance(too_soon, Throttled) and 0 < too_soon.retry_after <= 60
    for _ in range(9):
        clock.advance(seconds=61)
        assert not isinstance(attempt(shop, ask, ip=None), Exception)
    clock.advance(seconds=61)
    daily = attempt(shop, ask, ip=None)
    assert isinstance(daily, Throttled) and daily.retry_after > 3600
    clock.advance(days=1)
    assert not isinstance(attempt(shop, ask), Exception)


def test_codes_are_rate_limited_per_visitor_address(shop, clock):
    for n in range(20):
        sent = attempt(shop, lambda uow, n=n: uow.accounts.request_registration_code(
            {"mobile": f"1390000{n:04d}"}))
        assert not isinstance(sent, Exception)
    blocked = attempt(shop, lambda uow: uow.accounts.request_registration_code(
        {"mobile": "13911112222"}))
    assert isinstance(blocked, Throttled)
    elsewhere = attempt(shop, lambda uow: uow.accounts.request_registration_code(
        {"mobile": "13911112222"}), ip="198.51.100.1")
    assert not isinstance(elsewhere, Exception)


def test_a_registered_number_gets_the_same_answer_and_no_code(shop, clock):
    register_mobile(shop)
    clock.advance(seconds=61)
    with unit(shop) as uow:
        taken = uow.accounts.request_registration_code({"mobile": MOBILE})
    with unit(shop) as uow:
        free = uow.accounts.request_registration_code({"mobile": "13900139000"})
    assert (taken.channel, type(taken)) == (free.channel, type(free))
    notice = messages_to(shop, MOBILE)[-1].body
    assert "already have" in notice
    assert not any(ch.isdigit() for ch in notice)  # no code in it
    # Even a lucky guess cannot make a second account for the number.
    with unit(shop) as uow:
        row = uow._session.scalars(select(OneTimeCode).where(
            OneTimeCode.destination == MOBILE).order_by(OneTimeCode.id.desc())).first()
        row.code_hash = code_hash("register", MOBILE, "123456")
    error = attempt(shop, lambda uow: uow.accounts.register(
        {"mobile": MOBILE, "code": "123456", "password": STRONG_PASSWORD}))
    assert isinstance(error, Invalid) and set(error.errors) == {"mobile"}


def test_a_referral_code_links_the_referrer_and_an_unknown_one_is_ignored(shop, clock):
    referrer = _customer(shop, id=register_mobile(shop, "13700137000").customer_id)
    referred = register_mobile(shop, "13600136000", ref=referrer.referral_code.lower())
    assert _customer(shop, id=referred.customer_id).referred_by_id == referrer.id
    stranger = register_mobile(shop, "13500135000", ref="NOSUCH99")
    assert _customer(shop, id=stranger.customer_id).referred_by_id is None


def test_extra_fields_are_ignored(shop, clock):
    signed_in = register_mobile(shop, is_staff="1", id="1", user_id="1", is_active="false",
                                profile_completed="true", referred_by_id="1")
    customer = _customer(shop, id=signed_in.customer_id)
    assert customer.is_active is True and customer.profile_completed is False
    assert customer.referred_by_id is None


@pytest.mark.parametrize("form, field", [
    ({}, "mobile"),
    ({"mobile": "12345"}, "mobile"),
    ({"mobile": "+14155550123"}, "mobile"),
    ({"mobile": "01088886666"}, "mobile"),  # a Beijing landline
    ({"channel": "email", "email": "not-an-email"}, "email"),
    ({"channel": "fax"}, "channel"),
])
def test_bad_addresses_name_the_field(shop, form, field):
    with unit(shop) as uow, pytest.raises(Invalid) as caught:
        uow.accounts.request_registration_code(form)
    assert field in caught.value.errors


def test_bad_registration_input_names_each_field(shop, clock):
    error = attempt(shop, lambda uow: uow.accounts.register({
        "mobile": MOBILE, "code": "12ab", "password": "x" * 200, "gender": "robot",
        "birthday": "2999-01-01", "name": "n" * 61}))
    assert set(error.errors) == {"code", "password", "gender", "birthday", "name"}


def test_a_rolled_back_registration_leaves_no_message(shop, clock):
    with pytest.raises(RuntimeError), unit(shop) as uow:
        uow.accounts.request_registration_code({"mobile": MOBILE})
        raise RuntimeError("the request failed after queueing")
    assert messages_to(shop, MOBILE) == []
    with unit(shop) as uow:
        assert uow._session.scalars(select(OutboxMessage)).all() == []
        assert uow._session.scalars(select(OneTimeCode)).all() == []
