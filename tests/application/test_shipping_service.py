"""Shipping methods: quotes for checkout (sorted, regions served, free above), prices of a
chosen method, staff writes validated field by field, permission and audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.application import Forbidden, Invalid, NotFound
from tests import staff_factories as sf

BEIJING, CHAOYANG = "110000", "110100"
XINJIANG, URUMQI = "650000", "650100"
TIBET, LHASA = "540000", "540100"
GUANGDONG, SHENZHEN = "440000", "440300"


def rule(region="*", first=1000, first_fee="12.00", step=1000, step_fee="2.00"):
    return {"region": region, "first_weight_grams": first, "first_fee": first_fee,
            "additional_weight_grams": step, "additional_fee": step_fee}


def method(code="sf", **extra):
    return {"code": code, "name_zh": "顺丰速运", "name_en": "SF Express",
            "rules": [rule()], **extra}


@pytest.fixture
def carriers(system):
    """SF: dearer, free from ¥99, dearer still in 新疆; ZTO: cheaper, not to 西藏 nor 深圳."""
    system.shipping.create_method(method(
        "sf", position=10, free_above="99",
        rules=[rule(), rule(XINJIANG, first_fee="22.00", step_fee="10.00")]))
    system.shipping.create_method(method(
        "zto", name_zh="中通快递", name_en="ZTO Express", position=20,
        rules=[rule(first_fee="8.00", step_fee="1.50")], excluded_regions=[TIBET, SHENZHEN]))


def codes(quotes):
    return [q.code for q in quotes]


# -- quotes -----------------------------------------------------------------------------------

def test_quotes_are_cheapest_first_with_names_in_the_language(shop, carriers):
    with shop.transaction(locale="en") as tx:  # anyone may ask: checkout asks for shoppers
        quotes = tx.shipping.quote(BEIJING, CHAOYANG, 2500, Decimal("50.00"))
    assert [(q.code, q.name, q.fee, q.free) for q in quotes] == [
        ("zto", "ZTO Express", Decimal("11.00"), False),
        ("sf", "SF Express", Decimal("16.00"), False)]
    with shop.transaction(locale="zh_CN") as tx:
        assert [q.name for q in tx.shipping.quote(BEIJING, CHAOYANG, 1, Decimal(0))] == [
            "中通快递", "顺丰速运"]


def test_free_above_puts_the_free_method_first(system, carriers):
    quotes = system.shipping.quote(BEIJING, CHAOYANG, 2500, Decimal("99.00"))
    assert [(q.code, q.fee, q.free) for q in quotes] == [("sf", Decimal("0.00"), True),
                                                         ("zto", Decimal("11.00"), False)]
    below = system.shipping.quote(BEIJING, CHAOYANG, 2500, Decimal("98.99"))
    assert [q.free for q in below] == [False, False]


def test_a_province_rule_wins_over_the_default(system, carriers):
    quotes = {q.code: q.fee for q in system.shipping.quote(XINJIANG, URUMQI, 2500,
                                                          Decimal(10))}
    assert quotes == {"sf": Decimal("42.00"), "zto": Decimal("11.00")}


def test_excluded_provinces_and_cities_are_not_offered(system, carriers):
    assert codes(system.shipping.quote(TIBET, LHASA, 500, Decimal(10))) == ["sf"]
    assert codes(system.shipping.quote(GUANGDONG, SHENZHEN, 500, Decimal(10))) == ["sf"]
    assert codes(system.shipping.quote(GUANGDONG, "440100", 500, Decimal(10))) == ["zto", "sf"]


def test_a_method_without_a_rule_for_the_province_does_not_deliver_there(system):
    system.shipping.create_method(method("local", rules=[rule(BEIJING, first_fee="5.00")]))
    assert codes(system.shipping.quote(BEIJING, CHAOYANG, 100, Decimal(1))) == ["local"]
    assert system.shipping.quote(GUANGDONG, SHENZHEN, 100, Decimal(1)) == []


def test_ties_go_by_position(system):
    system.shipping.create_method(method("later", position=5))
    system.shipping.create_method(method("sooner", position=1))
    assert codes(system.shipping.quote(BEIJING, CHAOYANG, 100, Decimal(1))) == ["sooner",
                                                                                  "later"]


def test_inactive_methods_are_not_offered(system, carriers):
    system.shipping.deactivate_method("zto")
    assert codes(system.shipping.quote(BEIJING, CHAOYANG, 100, Decimal(1))) == ["sf"]
    system.shipping.update_method("zto", {"is_active": True})
    assert codes(system.shipping.quote(BEIJING, CHAOYANG, 100, Decimal(1))) == ["zto", "sf"]


def test_a_quote_is_one_statement_whatever_the_number_of_methods(system, queries):
    for i in range(2):
        system.shipping.create_method(method(f"m{i}", rules=[rule(), rule(XINJIANG)]))
    system._session.flush()  # the audit entries, so that only the quote is counted
    queries.reset()
    assert len(system.shipping.quote(XINJIANG, URUMQI, 100, Decimal(1))) == 2
    few = queries.count
    for i in range(2, 12):
        system.shipping.create_method(method(f"m{i}", rules=[rule(), rule(XINJIANG)],
                                             excluded_regions=[BEIJING]))
    system._session.flush()
    queries.reset()
    assert len(system.shipping.quote(XINJIANG, URUMQI, 100, Decimal(1))) == 12
    assert queries.count == few == 1, queries.statements


@pytest.mark.parametrize("args, field", [
    (("999999", CHAOYANG, 100, Decimal(1)), "province_code"),
    ((CHAOYANG, CHAOYANG, 100, Decimal(1)), "province_code"),  # a city is no province
    ((BEIJING, SHENZHEN, 100, Decimal(1)), "city_code"),  # not in the province
    ((BEIJING, "", 100, Decimal(1)), "city_code"),
    ((BEIJING, CHAOYANG, -1, Decimal(1)), "weight_grams"),
    ((BEIJING, CHAOYANG, 1.5, Decimal(1)), "weight_grams"),
    ((BEIJING, CHAOYANG, 10**9, Decimal(1)), "weight_grams"),
    ((BEIJING, CHAOYANG, 100, Decimal("-0.01")), "items_amount"),
    ((BEIJING, CHAOYANG, 100, 1.5), "items_amount"),  # a float is no amount of money
])
def test_a_bad_quote_request_names_its_field(system, carriers, args, field):
    with pytest.raises(Invalid) as caught:
        system.shipping.quote(*args)
    assert set(caught.value.errors) == {field}


# -- price of the chosen method ---------------------------------------------------------------

def test_price_of_a_chosen_method(shop, carriers):
    with shop.transaction(locale="en") as tx:
        quote = tx.shipping.price("sf", XINJIANG, URUMQI, 1001, Decimal("10.00"))
    assert (quote.code, quote.name, quote.fee, quote.free) == ("sf", "SF Express",
                                                               Decimal("32.00"), False)


@pytest.mark.parametrize("code, province, city", [
    ("ems", BEIJING, CHAOYANG),  # unknown
    ("zto", TIBET, LHASA),  # excluded province
    ("zto", GUANGDONG, SHENZHEN),  # excluded city
    ("SF' OR 1=1", BEIJING, CHAOYANG),
])
def test_price_refuses_a_method_not_offered(system, carriers, code, province, city):
    with pytest.raises(Invalid) as caught:
        system.shipping.price(code, province, city, 100, Decimal(1))
    assert set(caught.value.errors) == {"shipping_method"}


def test_price_refuses_an_inactive_method(system, carriers):
    system.shipping.deactivate_method("sf")
    with pytest.raises(Invalid) as caught:
        system.shipping.price("sf", BEIJING, CHAOYANG, 100, Decimal(1))
    assert set(caught.value.errors) == {"shipping_method"}


# -- staff writes -----------------------------------------------------------------------------

def test_create_and_read_back(system, carriers):
    (sf_method, zto) = system.shipping.methods()
    assert (sf_method.code, sf_method.position, sf_method.free_above) == ("sf", 10,
                                                                          Decimal("99.00"))
    assert [(r.region, r.first_fee) for r in sf_method.rules] == [("*", Decimal("12.00")),
                                                                  (XINJIANG, Decimal("22.00"))]
    assert [(r.code, r.name) for r in zto.excluded_regions] == [("440300", "深圳市"),
                                                                (TIBET, "西藏自治区")]
    assert zto.free_above is None and zto.is_active
    assert system.shipping.method("ZTO") == zto


def test_an_update_changes_what_it_is_given_and_keeps_the_rest(system, carriers):
    updated = system.shipping.update_method("sf", {"name_en": "SF", "free_above": ""})
    assert updated.name_en == "SF" and updated.free_above is None
    assert updated.name_zh == "顺丰速运" and len(updated.rules) == 2 and updated.position == 10
    replaced = system.shipping.update_method("sf", {"rules": [rule(first_fee="0")],
                                                    "excluded_regions": [XINJIANG]})
    assert [(r.region, r.first_fee) for r in replaced.rules] == [("*", Decimal("0.00"))]
    assert [r.code for r in replaced.excluded_regions] == [XINJIANG]
    assert system.shipping.update_method("sf", {"code": "other"}).code == "sf"


def test_writes_are_audited_with_before_and_after(system, carriers):
    system.shipping.update_method("zto", {"free_above": "59", "excluded_regions": [TIBET]})
    system.shipping.update_method("zto", {"name_zh": "中通快递"})  # no change, no entry
    entries = [e for e in system._audit.entries(limit=20) if e.entity_type == "shipping_method"]
    assert [(e.action, e.entity_id) for e in entries] == [
        ("shipping.method.update", "zto"), ("shipping.method.create", "zto"),
        ("shipping.method.create", "sf")]
    update = entries[0]
    assert update.before == {"free_above": None, "excluded_regions": ["440300", TIBET]}
    assert update.after == {"free_above": "59.00", "excluded_regions": [TIBET]}
    assert entries[1].after["rules"][0]["first_fee"] == "8.00"


def test_a_taken_code_is_refused(system, carriers):
    with pytest.raises(Invalid) as caught:
        system.shipping.create_method(method(" SF "))
    assert caught.value.errors == {"code": "Already taken"}


def test_an_unknown_method_is_not_found(system):
    for code in ("nope", "", "x" * 500, "../sf"):
        with pytest.raises(NotFound):
            system.shipping.update_method(code, {"name_en": "x"})
        with pytest.raises(NotFound):
            system.shipping.method(code)


@pytest.mark.parametrize("change, field", [
    ({"code": "SF Express"}, "code"),
    ({"code": "9sf"}, "code"),
    ({"name_zh": ""}, "name_zh"),
    ({"name_en": "x" * 61}, "name_en"),
    ({"position": "-1"}, "position"),
    ({"position": "1.5"}, "position"),
    ({"position": 10000}, "position"),
    ({"free_above": "-1"}, "free_above"),
    ({"free_above": "1e3"}, "free_above"),
    ({"rules": []}, "rules"),
    ({"rules": [rule(), rule()]}, "rules.1.region"),
    ({"rules": [rule("999999")]}, "rules.0.region"),
    ({"rules": [rule(CHAOYANG)]}, "rules.0.region"),  # a city: rules are per province
    ({"rules": [rule(first=0)]}, "rules.0.first_weight_grams"),
    ({"rules": [rule(first="1.5")]}, "rules.0.first_weight_grams"),
    ({"rules": [rule(step=0)]}, "rules.0.additional_weight_grams"),
    ({"rules": [rule(first_fee="-0.01")]}, "rules.0.first_fee"),
    ({"rules": [rule(first_fee="10000")]}, "rules.0.first_fee"),
    ({"rules": [rule(step_fee="abc")]}, "rules.0.additional_fee"),
    ({"rules": [rule()] * 41}, "rules"),
    ({"excluded_regions": ["999999"]}, "excluded_regions"),
    ({"excluded_regions": ["110105"]}, "excluded_regions"),  # a district is too fine
    ({"excluded_regions": "540000 xyz"}, "excluded_regions"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(system, change, field):
    with pytest.raises(Invalid) as caught:
        system.shipping.create_method({**method("bad"), **change})
    assert set(caught.value.errors) == {field}
    assert system.shipping.methods() == ()


def test_a_refused_update_leaves_the_method_as_it_was(system, carriers):
    before = system.shipping.method("sf")
    with pytest.raises(Invalid):
        system.shipping.update_method("sf", {"name_en": "New", "rules": [rule(first=0)]})
    assert system.shipping.method("sf") == before


def test_excluded_regions_may_be_a_text(system):
    created = system.shipping.create_method(method(
        excluded_regions="540000  # 西藏\n650100，440300 540000"))
    assert [r.code for r in created.excluded_regions] == ["440300", TIBET, URUMQI]


# -- rules typed one per line -----------------------------------------------------------------

def test_rules_typed_one_per_line_round_trip(system):
    created = system.shipping.create_method({
        "code": "sf", "name_zh": "顺丰", "name_en": "SF",
        "rules_text": "# region first fee step fee\n* 1000 12 1000 2\n\n"
                      "650000,1000，22.5 500 10\n"})
    assert [(r.region, r.first_fee, r.additional_weight_grams) for r in created.rules] == [
        ("*", Decimal("12.00"), 1000), (XINJIANG, Decimal("22.50"), 500)]
    assert created.rules_text == ("* 1000 12.00 1000 2.00\n"
                                  "650000 1000 22.50 500 10.00  # 新疆维吾尔自治区")
    again = system.shipping.update_method("sf", {"rules_text": created.rules_text})
    assert again.rules == created.rules


@pytest.mark.parametrize("text, line", [
    ("* 1000 12 1000", 1),
    ("* 1000 12 1000 2\n\n650000 1000 -1 1000 2", 3),
    ("* 1000 12 1000 2\n# comment\n* 1000 13 1000 2", 3),
    ("* 0 12 1000 2", 1),
    ("* 1000 12 1000 2\n110100 1000 12 1000 2", 2),
    ("* 1000 12 abc 2", 1),
    ("* 1000 12 1000 99999", 1),
])
def test_a_bad_rule_line_is_named(system, text, line):
    with pytest.raises(Invalid) as caught:
        system.shipping.create_method({"code": "sf", "name_zh": "顺丰", "name_en": "SF",
                                       "rules_text": text})
    assert set(caught.value.errors) == {"rules_text"}
    message = caught.value.errors["rules_text"]
    assert message.interpolate().startswith(f"Line {line}:")


def test_no_rule_line_at_all_is_refused(system):
    with pytest.raises(Invalid) as caught:
        system.shipping.create_method({"code": "sf", "name_zh": "顺丰", "name_en": "SF",
                                       "rules_text": "# nothing\n\n"})
    assert set(caught.value.errors) == {"rules_text"}


# -- permission -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "shopper", "customer_service", "merchandiser"])
def test_only_settings_managers_configure_shipping(shop, system, carriers, who):
    if who == "anonymous":
        uow_context = shop.transaction()
    elif who == "shopper":
        uow_context = shop.transaction(actor=system.accounts.actor_for(sf.customer(system)))
    else:
        uow_context = shop.transaction(actor=sf.actor(system, sf.staff(system, [who])))
    with uow_context as tx:
        for call in (tx.shipping.methods, lambda: tx.shipping.method("sf"),
                     lambda: tx.shipping.create_method(method("new")),
                     lambda: tx.shipping.update_method("sf", {"name_en": "x"}),
                     lambda: tx.shipping.deactivate_method("sf")):
            with pytest.raises(Forbidden):
                call()
        assert codes(tx.shipping.quote(BEIJING, CHAOYANG, 1, Decimal(1))) == ["zto", "sf"]


def test_an_administrator_configures_shipping(system):
    admin = sf.acting(system, sf.staff(system, ["administrator"]))
    admin.shipping.create_method(method())
    (entry,) = [e for e in system._audit.entries(limit=5) if e.action.startswith("shipping.")]
    assert entry.actor_kind == "staff" and entry.actor_id is not None
