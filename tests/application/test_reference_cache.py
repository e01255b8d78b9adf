"""The process's copy of the reference data: shared while current, never stale or uncommitted."""

from __future__ import annotations

import pytest

from shop.application import Shop
from tests import factories


def _navigation(shop: Shop) -> list[str]:
    with shop.transaction(writes=False) as reader:
        return [c.slug for c in reader.catalog.navigation()]


def test_units_of_work_share_one_copy_until_the_catalog_changes(shop, system):
    factories.small_catalog(system, products=2)
    with shop.transaction(writes=False) as first, shop.transaction(writes=False) as second:
        assert first.catalog.reference() is second.catalog.reference()
    before = _reference(shop)
    factories.brand(system, "newcomer")
    after = _reference(shop)
    assert after is not before
    assert "newcomer" in after.brands_by_slug


def _reference(shop: Shop):
    with shop.transaction(writes=False) as reader:
        return reader.catalog.reference()


def test_a_write_sees_its_own_change_at_once(shop, system):
    factories.small_catalog(system, products=2)
    assert "garden" not in _navigation(shop)
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        factories.category(tx, "garden")
        assert "garden" in [c.slug for c in tx.catalog.navigation()]


def test_a_copy_made_inside_a_rolled_back_write_is_never_served(shop, system):
    factories.small_catalog(system, products=2)
    with pytest.raises(RuntimeError), shop.transaction(actor=shop.system_actor("t")) as tx:
        factories.category(tx, "garden")
        # Tests share one connection, so this reader sees the write before it commits, and
        # leaves its copy in the process's cache under the write's token.
        assert "garden" in _navigation(shop)
        raise RuntimeError("abort the write")
    assert "garden" not in _navigation(shop)


def test_another_process_sees_a_change_on_its_next_unit_of_work(connection, settings, system):
    factories.small_catalog(system, products=2)
    here, there = Shop(connection, settings), Shop(connection, settings)
    assert "garden" not in _navigation(here)
    with there.transaction(actor=there.system_actor("elsewhere")) as tx:
        factories.category(tx, "garden")
    assert "garden" in _navigation(here)


def test_base_settings_follow_an_update(shop, system):
    with shop.transaction(writes=False) as reader:
        assert reader.settings.current().shop_name("en") == ""
    system.settings.update({"shop_name_en": "Corner Shop"})
    with shop.transaction(writes=False) as reader:
        assert reader.settings.current().shop_name("en") == "Corner Shop"
