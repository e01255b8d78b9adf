"""Base settings: defaults until set, validated with the field named, audited, read by all."""

from __future__ import annotations

import pytest

from shop.application import Forbidden, Invalid
from shop.application.settings.service import BaseSettings
from tests import staff_factories as sf


def test_defaults_when_nothing_is_stored(system):
    current = system.settings.current()
    assert current == BaseSettings(default_locale="zh_CN")
    assert current.shop_name("en") == "" and current.time_zone == "Asia/Shanghai"


def test_round_trip_and_audit(system, shop):
    system.settings.update({"shop_name_zh": " 好物商城 ", "shop_name_en": "Good Things",
                            "time_zone": "Asia/Urumqi", "contact_email": "Help@Example.com",
                            "contact_phone": "400-820-8820", "default_locale": "en"})
    system._session.flush()
    with shop.transaction(writes=False) as fresh:
        # A new unit of work (another request) reads what was stored.
        current = fresh.settings.current()
    assert current.shop_name_zh == "好物商城" and current.shop_name("en") == "Good Things"
    assert current.time_zone == "Asia/Urumqi" and current.contact_email == "help@example.com"
    assert current.default_locale == "en" and current.currency == "CNY"
    (entry,) = [e for e in system._audit.entries(limit=5) if e.action == "settings.update"]
    assert entry.before["shop_name_zh"] == "" and entry.after["shop_name_zh"] == "好物商城"
    assert "currency" not in entry.after  # unchanged keys are not logged


def test_a_partial_update_keeps_the_rest(system):
    system.settings.update({"shop_name_en": "First", "contact_address": "上海市"})
    system.settings.update({"shop_name_en": "Second"})
    assert system.settings.current().contact_address == "上海市"
    system.settings.update({"contact_address": ""})
    assert system.settings.current().contact_address == ""


@pytest.mark.parametrize("data, field", [
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"time_zone": ""}, "time_zone"),
    ({"currency": "USD"}, "currency"),
    ({"default_locale": "fr"}, "default_locale"),
    ({"contact_email": "not an email"}, "contact_email"),
    ({"contact_phone": "call me"}, "contact_phone"),
    ({"shop_name_zh": "长" * 61}, "shop_name_zh"),
])
def test_bad_values_are_refused_naming_the_field(system, data, field):
    with pytest.raises(Invalid) as caught:
        system.settings.update({"shop_name_en": "Kept out", **data})
    assert set(caught.value.errors) == {field}
    assert system.settings.current().shop_name_en == ""


def test_only_settings_managers_may_change_settings(system):
    member = sf.staff(system, ["merchandiser"])
    with pytest.raises(Forbidden):
        sf.acting(system, member).settings.update({"shop_name_en": "Mine"})
    # Reading the settings is for everyone: every page shows the shop's name.
    assert sf.acting(system, member).settings.current().currency == "CNY"


def test_a_stored_value_gone_bad_falls_back_to_its_default(system):
    system.settings.repo.put("time_zone", "No/Such_Zone", "tests")
    system._session.flush()
    system.settings._current = None
    assert system.settings.current().time_zone == "Asia/Shanghai"
