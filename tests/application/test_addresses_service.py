"""The address book: validation, one default, the cap, and nobody reaching another's addresses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.application import ANONYMOUS, Forbidden, Invalid, NotFound
from shop.application.addresses.service import MAX_ADDRESSES
from shop.data.models import Address
from tests.shoppers import shopper

NANSHAN = {"recipient": "李雷", "mobile": "138 0013 8000", "province": "440000",
           "city": "440300", "district": "440305", "street": "科技园南区 1 栋 101",
           "postcode": "518057"}
CHAOYANG = {**NANSHAN, "recipient": "韩梅梅", "mobile": "+86 139-1234-5678",
            "province": "110000", "city": "110100", "district": "110105",
            "street": "建国路 88 号", "postcode": ""}


@pytest.fixture
def alice(shop):
    return shopper(shop)


@pytest.fixture
def bob(shop):
    return shopper(shop)


def add(shop, actor, data, **changes):
    with shop.transaction(actor=actor) as tx:
        return tx.addresses.add({**data, **changes})


def listing(shop, actor):
    with shop.transaction(actor=actor) as tx:
        return tx.addresses.list()


def test_an_address_is_stored_normalized_and_named_from_the_table(shop, alice):
    address = add(shop, alice, NANSHAN)
    assert address.mobile == "+8613800138000"
    assert address.mobile_display == "138 0013 8000"
    assert address.region_names == ("广东省", "深圳市", "南山区")
    assert (address.postcode, address.is_default) == ("518057", True)
    second = add(shop, alice, CHAOYANG)
    assert second.region_names == ("北京市", "朝阳区")
    assert second.postcode is None and second.is_default is False


def test_every_bad_field_is_named_at_once(shop, alice):
    with pytest.raises(Invalid) as caught:
        add(shop, alice, NANSHAN, recipient="", mobile="010-12345678", city="110100",
            street="x", postcode="12345")
    assert set(caught.value.errors) == {"recipient", "mobile", "city", "street", "postcode"}
    assert "mainland China mobile" in caught.value.errors["mobile"]
    assert listing(shop, alice) == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"province": "999999"}, "province"),
    ({"province": "440300"}, "province"),  # a city is not a province
    ({"city": "110100"}, "city"),  # Beijing is not in Guangdong
    ({"district": "110105"}, "district"),  # 朝阳区 is not in 深圳市
    ({"district": ""}, "district"),  # 深圳市 has districts: one is required
    ({"city": "441900", "district": "440305"}, "district"),  # 东莞市 has none
    ({"mobile": "+852 9123 4567"}, "mobile"),  # Hong Kong
    ({"mobile": "12345"}, "mobile"),
    ({"recipient": "x" * 31}, "recipient"),
])
def test_a_region_chain_and_a_mobile_must_be_real(shop, alice, changes, field):
    with pytest.raises(Invalid) as caught:
        add(shop, alice, NANSHAN, **changes)
    assert field in caught.value.errors


def test_a_city_without_districts_needs_none(shop, alice):
    address = add(shop, alice, NANSHAN, city="441900", district="")
    assert address.district_code is None
    assert address.region_names == ("广东省", "东莞市")


def test_exactly_one_default_first_address_then_chosen_then_promoted(shop, alice):
    first = add(shop, alice, NANSHAN)
    second = add(shop, alice, CHAOYANG)
    third = add(shop, alice, NANSHAN, street="新的地址 3 号", is_default="true")
    assert [a.id for a in listing(shop, alice) if a.is_default] == [third.id]
    with shop.transaction(actor=alice) as tx:
        tx.addresses.make_default(first.id)
    assert [a.id for a in listing(shop, alice) if a.is_default] == [first.id]
    with shop.transaction(actor=alice) as tx:
        tx.addresses.delete(first.id)
    # The most recently added of those left takes over.
    remaining = listing(shop, alice)
    assert [(a.id, a.is_default) for a in remaining] == [(third.id, True), (second.id, False)]
    with shop.transaction(actor=alice) as tx:
        tx.addresses.delete(third.id)
        tx.addresses.delete(second.id)
    assert listing(shop, alice) == []


@pytest.mark.parametrize("choose", [
    lambda tx, second: tx.addresses.make_default(second),
    lambda tx, second: tx.addresses.update(second, {**CHAOYANG, "is_default": "true"}),
    lambda tx, second: tx.addresses.add({**NANSHAN, "is_default": "true"}),
], ids=["make_default", "update", "add"])
def test_the_address_losing_its_default_is_updated_by_the_shops_clock(shop, alice, clock,
                                                                       choose):
    first = add(shop, alice, NANSHAN)
    second = add(shop, alice, CHAOYANG)
    later = clock.advance(hours=1)
    with shop.transaction(actor=alice) as tx:
        choose(tx, second.id)
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        [(default, updated_at)] = tx._session.execute(
            select(Address.is_default, Address.updated_at).where(Address.id == first.id)).all()
    assert (default, updated_at) == (False, later)


def test_unticking_default_on_edit_keeps_it(shop, alice):
    first = add(shop, alice, NANSHAN)
    add(shop, alice, CHAOYANG)
    with shop.transaction(actor=alice) as tx:
        updated = tx.addresses.update(first.id, {**NANSHAN, "street": "改过的街道 9 号"})
    assert updated.is_default is True and updated.street == "改过的街道 9 号"


def test_an_edit_can_make_an_address_the_default(shop, alice):
    first = add(shop, alice, NANSHAN)
    second = add(shop, alice, CHAOYANG)
    with shop.transaction(actor=alice) as tx:
        tx.addresses.update(second.id, {**CHAOYANG, "is_default": "true"})
    assert {a.id: a.is_default for a in listing(shop, alice)} == {first.id: False,
                                                                  second.id: True}


def test_at_most_twenty_addresses(shop, alice):
    for i in range(MAX_ADDRESSES):
        add(shop, alice, NANSHAN, street=f"第 {i} 号楼")
    with pytest.raises(Invalid) as caught:
        add(shop, alice, NANSHAN)
    assert "at most" in caught.value.errors["_"].interpolate()
    assert len(listing(shop, alice)) == MAX_ADDRESSES


def test_another_shoppers_address_is_not_found_for_every_use(shop, alice, bob):
    theirs = add(shop, bob, CHAOYANG)
    add(shop, alice, NANSHAN)
    for use in (lambda tx: tx.addresses.get(theirs.id),
                lambda tx: tx.addresses.update(theirs.id, NANSHAN),
                lambda tx: tx.addresses.make_default(theirs.id),
                lambda tx: tx.addresses.delete(theirs.id)):
        with pytest.raises(NotFound), shop.transaction(actor=alice) as tx:
            use(tx)
    assert [(a.id, a.street, a.is_default) for a in listing(shop, bob)] == [
        (theirs.id, CHAOYANG["street"], True)]


@pytest.mark.parametrize("address_id", ["abc", "-1", "0", str(2**40), None])
def test_a_malformed_id_is_not_found(shop, alice, address_id):
    with pytest.raises(NotFound), shop.transaction(actor=alice) as tx:
        tx.addresses.get(address_id)


def test_posted_ownership_fields_change_nothing(shop, alice, bob):
    address = add(shop, alice, NANSHAN, customer_id=bob.id, user_id=bob.id, is_staff="true",
                  id=999)
    assert [a.id for a in listing(shop, alice)] == [address.id]
    assert listing(shop, bob) == []


def test_the_address_book_belongs_to_signed_in_shoppers(shop):
    with pytest.raises(Forbidden), shop.transaction(actor=ANONYMOUS) as tx:
        tx.addresses.list()
    with pytest.raises(Forbidden), shop.transaction(actor=shop.system_actor("x")) as tx:
        tx.addresses.add(NANSHAN)


def test_listing_is_one_query_whatever_the_count(shop, alice, queries):
    for i in range(5):
        add(shop, alice, NANSHAN if i % 2 else CHAOYANG)
    with shop.transaction(actor=alice) as tx:
        queries.reset()
        shown = tx.addresses.list()
        assert queries.count == 1
    assert len(shown) == 5
