"""Campaigns as staff start them: every kind, its fields named when wrong, the guard rails
refused at creation, templates, the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from shop.application import Forbidden, Invalid, NotFound
from shop.data.models import FlashSaleItem, Promotion, Sku
from tests import factories
from tests.ordering_support import sku_codes


def campaign(clock: Any, **fields: Any) -> dict[str, Any]:
    now = clock.now()
    return {"code": "spring", "name_zh": "春季满减", "name_en": "Spring sale",
            "kind": "spend_save", "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
            "rule": {"tiers": "200:20, 500:60"}, **fields}


@pytest.fixture
def catalog(system: Any) -> dict[str, Any]:
    return factories.small_catalog(system, products=2)


def test_a_tiered_spend_and_save_is_stored_with_its_scope_and_audited(system, clock, catalog):
    promotion_id = system.promotions.create(campaign(
        clock, scope={"categories": "shirts", "brands": "acme"},
        stacking={"mode": "group_exclusive", "group": "order", "priority": "5"}))
    row = system._session.get(Promotion, promotion_id)
    assert row.kind == "spend_save" and row.state == "active"
    assert '"tiers": [["200", "20"], ["500", "60"]]' in row.rule
    shirts = catalog["leaves"][0].id
    assert f'"category_ids": [{shirts}]' in row.scope and '"everything": false' in row.scope
    assert '"mode": "group_exclusive"' in row.stacking
    entry = system._audit.entries(limit=5)[0]
    assert entry.action == "promotions.campaign.create" and entry.entity_id == "spring"


@pytest.mark.parametrize(("fields", "named"), [
    ({"rule": {"tiers": "200-20"}}, "rule.tiers"),
    ({"rule": {"tiers": "200:20, 100:30"}}, "rule.tiers"),
    ({"rule": {"tiers": "50:60"}}, "rule.tiers"),
    ({"rule": {}}, "rule.tiers"),
    ({"kind": "percent_off", "rule": {}}, "rule.percent"),
    ({"kind": "percent_off", "rule": {"percent": "100"}}, "rule.percent"),
    ({"code": "Spring Sale"}, "code"),
    ({"channels": "web tv"}, "channels"),
    ({"member_groups": "vip"}, "member_groups"),
    ({"scope": {"categories": "no-such-category"}}, "scope.categories"),
    ({"scope": {"skus": "NO-SUCH-SKU"}}, "scope.skus"),
    ({"stacking": {"mode": "sometimes"}}, "stacking.mode"),
    ({"total_limit": "0"}, "total_limit"),
])
def test_a_bad_field_is_named_and_nothing_is_written(system, clock, catalog, fields, named):
    with pytest.raises(Invalid) as refused:
        system.promotions.create(campaign(clock, **fields))
    assert named in refused.value.errors
    assert system._session.scalar(select(Promotion.id)) is None


def test_a_window_that_ends_before_it_starts_or_has_passed_is_refused(system, clock, catalog):
    now = clock.now()
    with pytest.raises(Invalid) as backwards:
        system.promotions.create(campaign(clock, ends_at=(now - timedelta(days=2)).isoformat()))
    assert "ends_at" in backwards.value.errors


def test_a_taken_code_is_named(system, clock, catalog):
    system.promotions.create(campaign(clock))
    with pytest.raises(Invalid) as taken:
        system.promotions.create(campaign(clock))
    assert "code" in taken.value.errors


def test_a_campaign_past_the_maximum_share_is_refused_at_creation(system, clock, catalog):
    # The default cap is 80% of an order's items: 85% off can never be allowed.
    with pytest.raises(Invalid) as refused:
        system.promotions.create(campaign(clock, kind="percent_off",
                                          rule={"percent": "85"}))
    assert "rule.percent" in refused.value.errors
    system.promotions.create(campaign(clock, kind="percent_off", rule={"percent": "80"}))


def test_a_flash_sale_below_a_sku_floor_is_refused(system, clock, catalog):
    code = sku_codes(system, price="100.00")[0]
    system._session.execute(update(Sku).where(Sku.code == code).values(floor_price=60))
    with pytest.raises(Invalid) as refused:
        system.promotions.create(campaign(clock, kind="flash_sale",
                                          rule={"items": f"{code}:59.00:100"}))
    assert "floor" in refused.value.errors["rule.items"].interpolate()
    system.promotions.create(campaign(clock, kind="flash_sale",
                                      rule={"items": f"{code}:60.00:100"}))
    item = system._session.scalar(select(FlashSaleItem))
    assert (item.quota, item.sold, str(item.price)) == (100, 0, "60.00")


def test_a_flash_sale_item_needs_a_quantity(system, clock, catalog):
    code = sku_codes(system, price="100.00")[0]
    with pytest.raises(Invalid) as refused:
        system.promotions.create(campaign(clock, kind="flash_sale",
                                          rule={"items": f"{code}:59.00"}))
    assert "rule.items" in refused.value.errors


def test_a_saved_template_presets_a_new_campaign(system, clock, catalog):
    template_id = system.promotions.save_template({
        "name": "店庆满减", "kind": "spend_save",
        "preset": {"name_zh": "店庆", "name_en": "Anniversary",
                   "rule": {"tiers": "300:30"}, "stacking": {"mode": "exclusive"}}})
    promotion_id = system.promotions.create({
        "template": template_id, "code": "anniversary",
        "starts_at": clock.now().isoformat(),
        "ends_at": (clock.now() + timedelta(days=1)).isoformat()})
    row = system._session.get(Promotion, promotion_id)
    assert row.name_zh == "店庆" and '"300"' in row.rule and '"exclusive"' in row.stacking
    assert row.template_id == template_id


def test_a_template_is_read_back_by_its_id(system, catalog):
    template_id = system.promotions.save_template({
        "name": "九折", "kind": "percent_off", "preset": {"code": "x", "rule": {"percent": "10"}}})
    saved = system.promotions.template(template_id)
    assert (saved.name, saved.kind) == ("九折", "percent_off")
    assert saved.preset == {"kind": "percent_off", "rule": {"percent": "10"}}  # no code
    for missing in (template_id + 1, "1"):
        with pytest.raises(NotFound):
            system.promotions.template(missing)


def test_a_template_with_a_bad_preset_is_refused(system, clock, catalog):
    with pytest.raises(Invalid) as refused:
        system.promotions.save_template({"name": "x", "kind": "spend_save",
                                         "preset": {"rule": {"tiers": "nonsense"}}})
    assert "preset.rule.tiers" in refused.value.errors or "preset.tiers" in refused.value.errors


def test_pausing_and_ending(system, clock, catalog):
    promotion_id = system.promotions.create(campaign(clock))
    system.promotions.set_state(promotion_id, "paused")
    system.promotions.set_state(promotion_id, "ended")
    with pytest.raises(Exception, match="cannot start again"):
        system.promotions.set_state(promotion_id, "active")
    actions = [e.action for e in system._audit.entries(limit=10)]
    assert actions.count("promotions.campaign.state") == 2


def test_a_shopper_cannot_start_a_campaign(shop, clock, catalog):
    from tests.shoppers import shopper
    actor = shopper(shop)
    with shop.transaction(actor) as tx, pytest.raises(Forbidden):
        tx.promotions.create(campaign(clock))
