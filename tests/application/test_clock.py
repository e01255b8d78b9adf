"""One clock: sessions live exactly as long as promised, rows are stamped from the shop's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shop.application import ManualClock, Shop
from shop.application.sessions.service import REMEMBER_LIFETIME, SHORT_LIFETIME
from shop.data.models import AuditEntry, Customer, ShopSetting
from tests.accounts_support import STRONG_PASSWORD, attempt, register_email, unit


def log_in(shop: Shop, remember: bool) -> str:
    signed_in = attempt(shop, lambda uow: uow.accounts.log_in(
        {"identifier": "li@example.com", "password": STRONG_PASSWORD, "remember": remember}))
    return signed_in.grant.token


def who(shop: Shop, token: str) -> str:
    with unit(shop, token=token) as uow:
        return uow.actor.kind


@pytest.fixture
def account(shop):
    return register_email(shop, "li@example.com")


@pytest.mark.parametrize(("remember", "lifetime"), [(False, SHORT_LIFETIME),
                                                    (True, REMEMBER_LIFETIME)])
def test_a_session_lives_exactly_its_lifetime(shop, clock, account, remember, lifetime):
    token = log_in(shop, remember)
    clock.advance(lifetime - timedelta(seconds=1))
    assert who(shop, token) == "shopper"
    clock.advance(seconds=1)
    assert who(shop, token) == "anonymous"


def test_reading_a_session_does_not_extend_it(shop, clock, account):
    token = log_in(shop, remember=False)
    for _ in range(11):
        clock.advance(hours=1)
        assert who(shop, token) == "shopper"
    clock.advance(hours=1)
    assert who(shop, token) == "anonymous"


def test_purging_removes_only_ended_sessions(shop, clock, account):
    short, long = log_in(shop, remember=False), log_in(shop, remember=True)
    clock.advance(SHORT_LIFETIME)
    with unit(shop) as uow:
        # The short login's and the one registration opened; the remembered one stays.
        assert uow.sessions.purge_expired(limit=10) == 2
    assert who(shop, short) == "anonymous" and who(shop, long) == "shopper"


def test_rows_are_stamped_from_the_shops_clock_not_the_machines(shop, clock):
    clock.set(datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC))
    signed_in = register_email(shop, "zhao@example.com")
    with unit(shop) as uow:
        customer = uow._session.get(Customer, signed_in.customer_id)
        assert customer.created_at == clock.now()
        entries = uow._session.query(AuditEntry).filter_by(entity_id=str(customer.id)).all()
        assert entries and {e.at for e in entries} == {clock.now()}


def test_an_update_stamp_follows_the_clock(system, clock):
    system.settings.update({"shop_name_zh": "一号店"})
    created = clock.now()
    clock.advance(days=1)
    system.settings.update({"shop_name_zh": "二号店"})
    system._session.flush()
    row = system._session.get(ShopSetting, "shop_name_zh")
    assert row.updated_at == created + timedelta(days=1)


def test_a_manual_clock_refuses_naive_times():
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2030, 1, 1))
