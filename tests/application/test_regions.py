"""The bundled region table and the region service."""

from __future__ import annotations

import pytest

from shop.application import NotFound
from shop.application.regions.table import address_names, region_table


def test_the_table_has_every_mainland_province_and_no_others():
    provinces = region_table().children[None]
    assert len(provinces) == 31
    names = {p.name_zh for p in provinces}
    assert {"北京市", "广东省", "新疆维吾尔自治区", "重庆市"} <= names
    assert not names & {"台湾省", "香港特别行政区", "澳门特别行政区"}


def test_every_region_below_a_province_has_a_known_parent_one_level_up():
    table = region_table()
    for region in table.by_code.values():
        if region.parent is None:
            assert region.level == "province"
            continue
        parent = table.by_code[region.parent]
        assert (parent.level, region.level) in {("province", "city"), ("city", "district")}
        assert region.code[:2] == parent.code[:2]


def test_municipalities_get_a_city_level_named_after_them(shop):
    with shop.transaction() as tx:
        assert [c.name for c in tx.regions.children("110000")] == ["北京市"]
        districts = {d.code: d.name for d in tx.regions.children("110100")}
        chongqing = [c.code for c in tx.regions.children("500000")]
    assert districts["110105"] == "朝阳区"
    assert chongqing == ["500100", "500200"]


def test_lookup_names_a_code_in_both_languages(shop):
    with shop.transaction(locale="en") as tx:
        region = tx.regions.lookup("440305")
        assert (region.name_zh, region.parent, region.level) == ("南山区", "440300", "district")
        # The source has Chinese names only: English shows the Chinese name.
        assert region.name("en") == "南山区"
        with pytest.raises(NotFound):
            tx.regions.lookup("999999")
        with pytest.raises(NotFound):
            tx.regions.children("nonsense")


def test_a_city_without_districts_has_no_children(shop):
    with shop.transaction() as tx:
        assert tx.regions.children("441900") == []  # 东莞市


def test_choices_follow_a_partial_choice_and_ignore_a_mismatched_one(shop):
    with shop.transaction() as tx:
        empty = tx.regions.choices(None, None)
        partial = tx.regions.choices("440000", None)
        full = tx.regions.choices("440000", "440300")
        mismatched = tx.regions.choices("110000", "440300")
        city_as_province = tx.regions.choices("440300", None)
    assert len(empty.provinces) == 31 and empty.cities == [] and empty.districts == []
    assert "440300" in {c.code for c in partial.cities} and partial.districts == []
    assert "440305" in {d.code for d in full.districts}
    assert mismatched.districts == [] and "110100" in {c.code for c in mismatched.cities}
    assert city_as_province.cities == []


def test_address_names_skip_repeated_and_grouping_levels():
    assert address_names(("110000", "110100", "110105"), "zh_CN") == ("北京市", "朝阳区")
    assert address_names(("420000", "429000", "429004"), "zh_CN") == ("湖北省", "仙桃市")
    assert address_names(("440000", "441900", None), "zh_CN") == ("广东省", "东莞市")
    assert address_names(("440000", "440300", "123456"), "zh_CN") == (
        "广东省", "深圳市", "123456")
