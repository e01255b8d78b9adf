"""The audit log in words: labels for actions, entities and fields, values shown as people read
them, the date presets, the export's keyset walk, and shoppers' own changes (addresses, invoice
titles, profile) audited by the application tier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shop.application import Forbidden, Invalid
from shop.application.audit import browse
from shop.application.audit.labels import ACTIONS, field_label, shown
from shop.data.models import AuditEntry
from tests import staff_factories as sf
from tests.shoppers import shopper

NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
ADDRESS = {"recipient": "张三", "mobile": "13800138000", "province": "110000",
           "city": "110100", "district": "110105", "street": "建国路 1 号"}


def entries(system, action):
    return [r for r in system.audit_log.page({"action": action}).rows]


def test_labels_for_what_people_read(system):
    system._audit.record("accounts.customer.register", "customer", 7,
                         after={"email": "a@example.com", "referred_by_id": None,
                                "profile_completed": False, "roles": ["a", "b"]})
    row = entries(system, "accounts.customer.register")[0]
    assert row.action_label.interpolate() == "Customer registered"
    assert row.entity_label.interpolate() == "Customer"
    by_field = {c.field: c for c in row.changes}
    assert by_field["referred_by_id"].label.interpolate() == "Referred by"
    assert by_field["referred_by_id"].after_shown == "—"
    assert by_field["profile_completed"].after_shown.interpolate() == "No"
    assert by_field["email"].after_shown == "a@example.com"  # no JSON quotes
    assert by_field["email"].before_shown == "—"  # a field new on this side
    assert by_field["roles"].after_shown == "a, b"


def test_an_unlabelled_action_or_field_still_reads(system):
    system._audit.record("brand.new.thing", "gadget", 1, after={"sale_channel_id": 3})
    row = entries(system, "brand.new.thing")[0]
    assert row.action_label == "brand.new.thing" and row.entity_label == "gadget"
    assert row.changes[0].label == "Sale channel"
    assert field_label("is_active").interpolate() == "Active"
    assert shown(True).interpolate() == "Yes" and shown({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


def test_every_action_the_code_records_has_a_label():
    """The recorded actions found in the application's source all have a label."""
    import re
    from pathlib import Path

    import shop.application as application
    root = Path(application.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        text = path.read_text()
        found |= set(re.findall(r'_audit\.record\(\s*"([a-z_.]+)"', text))
        found |= set(re.findall(r'LockAudit\(\s*"([a-z_.]+)"', text))
    found |= {"accounts.email.change", "accounts.mobile.change"}  # f"accounts.{kind}.change"
    assert found - set(ACTIONS) == set()


@pytest.mark.parametrize(("preset", "days"), [("today", 1), ("7d", 7), ("30d", 30)])
def test_date_presets_count_back_from_today_in_the_shops_zone(system, clock, preset, days):
    clock.set(NOON)
    for back in (0, 6, 7, 29, 30):
        # 00:30 in Shanghai, ``back`` days ago: 16:30 UTC the day before.
        at = datetime(2026, 11, 30, 16, 30, tzinfo=UTC) - timedelta(days=back)
        system._session.add(AuditEntry(actor_kind="system", actor_name="system:t",
                                       action=f"test.back{back}", entity_type="t", at=at))
    system._session.flush()
    page = system.audit_log.page({"action": "test.", "preset": preset})
    assert sorted(int(r.entry.action.removeprefix("test.back")) for r in page.rows) == \
        [back for back in (0, 6, 7, 29, 30) if back < days]
    assert page.filters == {"action": "test.", "preset": preset}


def test_an_unknown_preset_names_its_field(system):
    with pytest.raises(Invalid) as caught:
        system.audit_log.page({"preset": "forever"})
    assert "preset" in caught.value.errors


def test_the_export_walks_every_entry_in_batches(system, monkeypatch):
    monkeypatch.setattr(browse, "EXPORT_BATCH", 7)
    for i in range(30):
        system._audit.record("test.tick", "tick", i)
    system._session.flush()
    rows = list(system.audit_log.export_rows({"action": "test."}))
    assert [int(r.entry.entity_id) for r in rows] == list(range(29, -1, -1))


def test_starting_an_export_is_audited_and_needs_the_permission(system):
    boss = sf.staff(system, ["administrator"], username="boss")
    clerk = sf.staff(system, ["finance"], username="clerk")
    assert sf.acting(system, boss).audit_log.begin_export({"preset": "7d"}) == {"preset": "7d"}
    exported = entries(system, "audit.export")[0]
    assert exported.entry.actor_name == "staff:boss"
    assert exported.entry.after == {"filters": {"preset": "7d"}}
    with pytest.raises(Forbidden):
        sf.acting(system, clerk).audit_log.begin_export({})
    with pytest.raises(Forbidden):
        list(sf.acting(system, clerk).audit_log.export_rows({}))


def test_a_shoppers_address_changes_are_audited(shop, system):
    actor = shopper(shop)
    with shop.transaction(actor) as tx:
        first = tx.addresses.add(ADDRESS)
        second = tx.addresses.add({**ADDRESS, "recipient": "李四"})
        tx.addresses.update(first.id, {**ADDRESS, "street": "建国路 2 号", "is_default": "on"})
        tx.addresses.make_default(second.id)
        tx.addresses.delete(first.id)
    rows = [r for r in system.audit_log.page({"actor": f"shopper:{actor.id}"}).rows]
    assert [r.entry.action for r in rows] == ["address.delete", "address.default",
                                              "address.update", "address.create",
                                              "address.create"]
    update = {c.field: (c.before_shown, c.after_shown) for c in rows[2].changes}
    assert update == {"street": ("建国路 1 号", "建国路 2 号")}
    assert rows[0].entry.entity_id == str(first.id)
    assert rows[0].action_label.interpolate() == "Customer deleted an address"


def test_a_shoppers_invoice_titles_are_audited(shop, system):
    actor = shopper(shop)
    with shop.transaction(actor) as tx:
        title = tx.invoices.save_title({"title_kind": "company", "title": "福州某某科技有限公司",
                                        "tax_code": "91350100M000100Y43"})
        tx.invoices.delete_title(title.id)
    rows = system.audit_log.page({"actor": f"shopper:{actor.id}"}).rows
    assert [r.entry.action for r in rows] == ["invoice_title.delete", "invoice_title.save"]
    assert rows[1].entry.after["title"] == "福州某某科技有限公司"
    assert "id" not in rows[1].entry.after


def test_a_shoppers_profile_change_is_audited(shop, system):
    actor = shopper(shop)
    with shop.transaction(actor) as tx:
        tx.accounts.update_profile({"display_name": "小张", "gender": "", "birthday": ""})
    rows = system.audit_log.page({"actor": f"shopper:{actor.id}"}).rows
    assert [r.entry.action for r in rows] == ["accounts.profile.update"]
