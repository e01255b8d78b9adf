"""Input from outside is bounded before it reaches the database: keys within their column's
range and in ASCII digits, lists and texts of a sensible length, dates the calendar can hold."""

from __future__ import annotations

import pytest

from shop.application import Invalid, NotFound
from shop.application.validation import MAX_KEY, entity_key
from tests import staff_factories as sf
from tests.shoppers import shopper

NANSHAN = {"recipient": "李雷", "mobile": "13800138000", "province": "440000",
           "city": "440300", "district": "440305", "street": "科技园南区 1 栋 101",
           "postcode": "518057"}


@pytest.mark.parametrize("given, key", [
    ("7", 7), (7, 7), (str(MAX_KEY), MAX_KEY), (str(MAX_KEY + 1), None), ("9" * 20, None),
    ("0", None), ("-1", None), (-1, None), ("²", None), ("٣", None), (" 7", None), ("7 ", None),
    ("", None), (None, None), (True, None), (7.0, None), ("0x1f", None),
])
def test_an_entity_key_is_ascii_digits_within_an_integer_column(given, key):
    assert entity_key(given) == key


@pytest.mark.parametrize("staff_id", [10**20, MAX_KEY + 1, -1, 0])
def test_a_staff_member_beyond_any_key_is_not_found(system, staff_id):
    with pytest.raises(NotFound):
        system.staff.get_staff(staff_id)


@pytest.mark.parametrize("address_id", ["9" * 20, "٣", "²", "1e3"])
def test_an_address_beyond_any_key_is_not_found(shop, address_id):
    with shop.transaction(actor=shopper(shop)) as tx, pytest.raises(NotFound):
        tx.addresses.get(address_id)


@pytest.mark.parametrize("params, field", [
    ({"actor": "shopper:²"}, "actor"),
    ({"actor": "shopper:" + "9" * 20}, "actor"),
    ({"until": "9999-12-31"}, "until"),
    ({"since": "0001-01-01"}, "since"),
    ({"before_id": "9" * 20}, "before_id"),
])
def test_audit_filters_beyond_what_the_log_can_hold_are_refused(system, params, field):
    with pytest.raises(Invalid) as refused:
        system.audit_log.page(params)
    assert field in refused.value.errors


def test_the_last_day_a_filter_may_name_still_works(system):
    assert system.audit_log.page({"since": "1970-01-01", "until": "9998-12-31"}).rows == ()


@pytest.mark.parametrize("price", ["9" * 13 + "-", "-" + "9" * 13, "١٠٠-٢٠٠"])
def test_a_price_range_beyond_a_price_column_is_refused(system, price):
    with pytest.raises(Invalid) as refused:
        system.catalog.search_page({"price": [price]})
    assert "price" in refused.value.errors


def test_a_staff_member_cannot_be_given_endless_roles(system):
    with pytest.raises(Invalid) as refused:
        sf.staff(system, ["finance"] * 101)
    assert "roles" in refused.value.errors


def test_a_postcode_is_ascii_digits(shop):
    with shop.transaction(actor=shopper(shop)) as tx, pytest.raises(Invalid) as refused:
        tx.addresses.add({**NANSHAN, "postcode": "٥١٨٠٥٧"})
    assert "postcode" in refused.value.errors


@pytest.mark.parametrize(("script", "call"), [
    (False, lambda tx: tx.cart.add({"sku": "A-1\x00", "quantity": "1"})),
    (True, lambda tx: tx.inventory.adjust("A-1\x00", 1, "count")),
    (False, lambda tx: tx.accounts.log_in({"identifier": "li\x00@example.com",
                                           "password": "x" * 12})),
])
def test_a_nul_character_is_refused_through_the_library_too(shop, script, call):
    """The web tier refuses NUL before routing; a library call meets the same rule, as an
    Invalid naming the field rather than a driver error on PostgreSQL."""
    actor = shop.system_actor("tests") if script else None
    with pytest.raises(Invalid) as refused, shop.transaction(actor=actor) as tx:
        call(tx)
    assert "Contains a character that is not allowed" in str(refused.value)
