"""Password recovery: a link by email, a code by SMS, the same answer for unknown accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.application import Invalid, Shop
from shop.application.public_url import MissingPublicUrl
from shop.application.security.throttle import Throttled
from shop.data.models import AuditEntry, Customer
from tests.accounts_support import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    attempt,
    latest_code,
    latest_link_token,
    messages_to,
    register_email,
    register_mobile,
    unit,
)

EMAIL = "zhao@example.com"
MOBILE = "+8613800138000"


def _ask(shop, identifier, **kw):
    return attempt(shop, lambda uow: uow.accounts.request_password_reset(
        {"identifier": identifier}), **kw)


def _password_is(shop, customer_id, password):
    with unit(shop) as uow:
        return shop.passwords.verify(uow._session.get(Customer, customer_id).password_hash,
                                     password)


def test_an_email_link_sets_a_new_password_and_ends_every_session(shop, clock):
    first = register_email(shop, EMAIL, name="Zhao Min")
    other = attempt(shop, lambda uow: uow.accounts.log_in(
        {"identifier": EMAIL, "password": STRONG_PASSWORD, "remember": True}))
    clock.advance(seconds=61)
    sent = _ask(shop, "Zhao@Example.com")
    assert (sent.channel, sent.destination) == ("email", EMAIL)
    message = messages_to(shop, EMAIL)[-1]
    assert message.channel == "email" and "https://shop.example/account/reset/" in message.body
    token = latest_link_token(shop, EMAIL)
    with unit(shop) as uow:
        uow.accounts.check_reset_link(token)
        uow.accounts.reset_password_with_link(token, {"password": OTHER_PASSWORD})
    assert _password_is(shop, first.customer_id, OTHER_PASSWORD)
    for grant in (first.grant, other.grant):
        with unit(shop, token=grant.token) as uow:
            assert uow.actor.kind == "anonymous"
    with unit(shop) as uow:
        entry = uow._session.scalars(select(AuditEntry).where(
            AuditEntry.action == "accounts.password.reset")).one()
        assert entry.after == {"channel": "email", "sessions_ended": 2}
    reused = attempt(shop, lambda uow: uow.accounts.reset_password_with_link(
        token, {"password": "yet another long passphrase"}))
    assert isinstance(reused, Invalid) and set(reused.errors) == {"token"}


def test_a_link_expires_after_thirty_minutes(shop, clock):
    register_email(shop, EMAIL)
    clock.advance(seconds=61)
    _ask(shop, EMAIL)
    token = latest_link_token(shop, EMAIL)
    clock.advance(minutes=30, seconds=1)
    gone = attempt(shop, lambda uow: uow.accounts.check_reset_link(token))
    assert isinstance(gone, Invalid) and set(gone.errors) == {"token"}
    refused = attempt(shop, lambda uow: uow.accounts.reset_password_with_link(
        token, {"password": OTHER_PASSWORD}))
    assert isinstance(refused, Invalid)


def test_a_made_up_link_is_refused(shop):
    gone = attempt(shop, lambda uow: uow.accounts.check_reset_link("made-up-token"))
    assert isinstance(gone, Invalid) and set(gone.errors) == {"token"}


def test_unknown_accounts_get_the_same_answer_and_no_message(shop, clock):
    register_email(shop, EMAIL)
    register_mobile(shop, MOBILE)
    clock.advance(seconds=61)
    known, unknown = _ask(shop, EMAIL), _ask(shop, "nobody@example.com")
    assert (known.channel, unknown.channel) == ("email", "email")
    assert messages_to(shop, "nobody@example.com") == []
    known, unknown = _ask(shop, "13800138000"), _ask(shop, "13900139000")
    assert (known.channel, unknown.channel) == ("mobile", "mobile")
    assert messages_to(shop, "+8613900139000") == []
    # Asking again too soon is refused alike for both.
    assert isinstance(_ask(shop, EMAIL), Throttled)
    assert isinstance(_ask(shop, "nobody@example.com"), Throttled)


def test_an_sms_code_resets_the_password(shop, clock):
    customer = register_mobile(shop, MOBILE, name="Sun Li")
    clock.advance(seconds=61)
    _ask(shop, "13800138000")
    code = latest_code(shop, MOBILE)
    form = {"mobile": "13800138000", "code": code}
    weak = attempt(shop, lambda uow: uow.accounts.reset_password_with_code(
        {**form, "password": "sun li forever and ever"}))  # holds the name
    assert isinstance(weak, Invalid) and set(weak.errors) == {"password"}
    wrong = attempt(shop, lambda uow: uow.accounts.reset_password_with_code(
        {**form, "code": f"{(int(code) + 1) % 1_000_000:06d}", "password": OTHER_PASSWORD}))
    assert isinstance(wrong, Invalid) and set(wrong.errors) == {"code"}
    with unit(shop) as uow:
        uow.accounts.reset_password_with_code({**form, "password": OTHER_PASSWORD})
    assert _password_is(shop, customer.customer_id, OTHER_PASSWORD)
    with unit(shop, token=customer.grant.token) as uow:
        assert uow.actor.kind == "anonymous"
    again = attempt(shop, lambda uow: uow.accounts.reset_password_with_code(
        {**form, "password": "a third good passphrase"}))
    assert isinstance(again, Invalid)


def test_an_sms_code_expires(shop, clock):
    register_mobile(shop, MOBILE)
    clock.advance(seconds=61)
    _ask(shop, MOBILE)
    code = latest_code(shop, MOBILE)
    clock.advance(minutes=11)
    late = attempt(shop, lambda uow: uow.accounts.reset_password_with_code(
        {"mobile": MOBILE, "code": code, "password": OTHER_PASSWORD}))
    assert isinstance(late, Invalid) and set(late.errors) == {"code"}


@pytest.mark.parametrize("identifier", ["", "not an address", "12345"])
def test_a_bad_identifier_is_named(shop, identifier):
    error = _ask(shop, identifier)
    assert isinstance(error, Invalid) and set(error.errors) == {"identifier"}


def test_the_link_is_on_the_public_address_of_the_settings(connection, settings, clock):
    shop = Shop(connection, {**settings, "shop.public_url": "https://www.example.cn/shop/"},
                clock=clock)
    register_email(shop, EMAIL)
    clock.advance(seconds=61)
    _ask(shop, EMAIL)
    assert "https://www.example.cn/shop/account/reset/" in messages_to(shop, EMAIL)[-1].body


def test_without_a_public_address_no_reset_email_is_queued_for_anyone(connection, settings,
                                                                      clock):
    shop = Shop(connection, {**settings, "shop.public_url": ""}, clock=clock)
    register_email(shop, EMAIL)
    clock.advance(seconds=61)
    for identifier in (EMAIL, "nobody@example.com"):
        with pytest.raises(MissingPublicUrl, match=r"shop\.public_url"), unit(shop) as uow:
            uow.accounts.request_password_reset({"identifier": identifier})
    assert [m for m in messages_to(shop, EMAIL) if "/account/reset/" in m.body] == []


@pytest.mark.parametrize("address", ["shop.example", "ftp://shop.example", "https://",
                                     "https://shop.example/?ref=1", "https://a:b@shop.example"])
def test_a_malformed_public_address_is_refused_naming_the_setting(connection, settings,
                                                                  address):
    with pytest.raises(Invalid) as error:
        Shop(connection, {**settings, "shop.public_url": address})
    assert set(error.value.errors) == {"shop.public_url"}


def _link_works(shop, token):
    return not isinstance(attempt(shop, lambda uow: uow.accounts.check_reset_link(token)),
                          Invalid)


def test_a_new_link_ends_the_older_ones(shop, clock):
    customer = register_email(shop, EMAIL)
    clock.advance(seconds=61)
    _ask(shop, EMAIL)
    first = latest_link_token(shop, EMAIL)
    clock.advance(seconds=61)
    _ask(shop, EMAIL)
    second = latest_link_token(shop, EMAIL)
    assert not _link_works(shop, first) and _link_works(shop, second)
    with unit(shop) as uow:
        uow.accounts.reset_password_with_link(second, {"password": OTHER_PASSWORD})
    late = attempt(shop, lambda uow: uow.accounts.reset_password_with_link(
        first, {"password": "an attacker's own passphrase"}))
    assert isinstance(late, Invalid) and set(late.errors) == {"token"}
    assert _password_is(shop, customer.customer_id, OTHER_PASSWORD)


def _with_email_and_mobile(shop, clock):
    """A signed-in account with both addresses, past the one-code-a-minute limit."""
    customer = register_email(shop, EMAIL)
    with unit(shop) as uow:
        uow._session.get(Customer, customer.customer_id).mobile = MOBILE
    clock.advance(seconds=61)
    return customer


def test_a_password_change_ends_every_reset_link_and_code(shop, clock):
    customer = _with_email_and_mobile(shop, clock)
    _ask(shop, EMAIL)
    _ask(shop, MOBILE)
    link, code = latest_link_token(shop, EMAIL), latest_code(shop, MOBILE)
    with unit(shop, token=customer.grant.token) as uow:
        uow.accounts.change_password({"current_password": STRONG_PASSWORD,
                                      "new_password": OTHER_PASSWORD},
                                     current_token=customer.grant.token)
    assert not _link_works(shop, link)
    by_code = attempt(shop, lambda uow: uow.accounts.reset_password_with_code(
        {"mobile": MOBILE, "code": code, "password": "an attacker's own passphrase"}))
    assert isinstance(by_code, Invalid) and set(by_code.errors) == {"code"}
    assert _password_is(shop, customer.customer_id, OTHER_PASSWORD)


def test_a_reset_by_code_ends_the_emailed_link(shop, clock):
    _with_email_and_mobile(shop, clock)
    _ask(shop, EMAIL)
    _ask(shop, MOBILE)
    link = latest_link_token(shop, EMAIL)
    with unit(shop) as uow:
        uow.accounts.reset_password_with_code({"mobile": MOBILE, "code": latest_code(shop, MOBILE),
                                               "password": OTHER_PASSWORD})
    assert not _link_works(shop, link)


@pytest.mark.parametrize(("kind", "new_address"), [("email", "zhao@new.example"),
                                                   ("mobile", "13700137000")])
@pytest.mark.parametrize("reset_by", ["link", "code"])
def test_a_new_email_or_mobile_ends_the_outstanding_reset(shop, clock, kind, new_address,
                                                          reset_by):
    """Whoever could read the old mailbox or phone may have asked for a reset: a link or code
    sent there must not take the account back after the shopper moved away from it. (Asking
    for a reset ends the account's earlier link or code, so one is outstanding at a time.)"""
    customer = _with_email_and_mobile(shop, clock)
    _ask(shop, EMAIL if reset_by == "link" else MOBILE)
    link = latest_link_token(shop, EMAIL) if reset_by == "link" else None
    code = latest_code(shop, MOBILE) if reset_by == "code" else None
    with unit(shop, token=customer.grant.token) as uow:
        sent = uow.accounts.request_contact_change({"channel": kind, kind: new_address})
    with unit(shop, token=customer.grant.token) as uow:
        uow.accounts.confirm_contact_change({"channel": kind, kind: new_address,
                                             "code": latest_code(shop, sent.destination)})
    if link is not None:
        assert _link_works(shop, link) is False
        taken = attempt(shop, lambda uow: uow.accounts.reset_password_with_link(
            link, {"password": "an attacker's own passphrase"}))
        assert isinstance(taken, Invalid) and set(taken.errors) == {"token"}
    else:
        taken = attempt(shop, lambda uow: uow.accounts.reset_password_with_code(
            {"mobile": MOBILE, "code": code, "password": "an attacker's own passphrase"}))
        assert isinstance(taken, Invalid) and set(taken.errors) == {"code"}
    assert _password_is(shop, customer.customer_id, STRONG_PASSWORD)
