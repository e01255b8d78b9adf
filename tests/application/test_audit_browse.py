"""The audit-log browser: filters people type, keyset pages, and who may read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shop.application import Forbidden, Invalid
from shop.data.models import AuditEntry
from tests import staff_factories as sf


@pytest.fixture
def history(system):
    """Staff made by the system, and some work done by one of them."""
    boss = sf.staff(system, ["administrator"], username="boss")
    clerk = sf.staff(system, ["finance"], username="clerk")
    as_boss = sf.acting(system, boss)
    as_boss.staff.update_staff(clerk.id, {"name": "Clerk Two"})
    as_boss.settings.update({"shop_name_en": "Boss shop"})
    return {"boss": boss, "clerk": clerk}


def test_newest_first_with_before_and_after(system, history):
    page = system.audit_log.page({})
    actions = [row.entry.action for row in page.rows]
    assert actions[:2] == ["settings.update", "staff.update"]
    ids = [row.entry.id for row in page.rows]
    assert ids == sorted(ids, reverse=True)
    change = page.rows[1].changes[0]
    assert (change.field, change.before, change.after) == ("name", '"Staff clerk"', '"Clerk Two"')


@pytest.mark.parametrize("params, expected", [
    ({"actor": "boss"}, ["settings.update", "staff.update"]),
    ({"actor": "staff:boss"}, ["settings.update", "staff.update"]),
    ({"actor": "system"}, ["staff.create", "staff.create"]),
    ({"action": "staff."}, ["staff.update", "staff.create", "staff.create"]),
    ({"entity_type": "settings"}, ["settings.update"]),
])
def test_filters(system, history, params, expected):
    assert [r.entry.action for r in system.audit_log.page(params).rows] == expected


def test_entity_filter(system, history):
    rows = system.audit_log.page({"entity_type": "staff",
                                  "entity_id": str(history["clerk"].id)}).rows
    assert [r.entry.action for r in rows] == ["staff.update", "staff.create"]


def test_date_range_in_the_shops_time_zone(system, history):
    old = AuditEntry(actor_kind="system", actor_name="system:old", action="old.thing",
                     entity_type="thing", at=datetime(2026, 1, 1, 15, 30, tzinfo=UTC))
    system._session.add(old)  # 23:30 on 1 January in Shanghai
    system._session.flush()
    day = system.audit_log.page({"since": "2026-01-01", "until": "2026-01-01"}).rows
    assert [r.entry.action for r in day] == ["old.thing"]
    assert day[0].at_local.hour == 23
    assert system.audit_log.page({"since": "2026-01-02", "until": "2026-01-31"}).rows == ()
    today = datetime.now(UTC).date()
    recent = system.audit_log.page({"since": (today - timedelta(days=1)).isoformat()}).rows
    assert "old.thing" not in [r.entry.action for r in recent]


@pytest.mark.parametrize("params, field", [
    ({"since": "yesterday"}, "since"),
    ({"since": "2026-02-02", "until": "2026-02-01"}, "until"),
    ({"actor": "nobody-by-this-name"}, "actor"),
    ({"actor": "martian:1"}, "actor"),
    ({"before_id": "0"}, "before_id"),
])
def test_bad_filters_name_the_field(system, history, params, field):
    with pytest.raises(Invalid) as caught:
        system.audit_log.page(params)
    assert field in caught.value.errors


def test_keyset_pages_never_skip_or_repeat(system):
    for i in range(120):
        system._audit.record("test.tick", "tick", i)
    system._session.flush()
    seen, params = [], {"action": "test."}
    while True:
        page = system.audit_log.page(params)
        seen += [int(r.entry.entity_id) for r in page.rows]
        if page.older_before_id is None:
            break
        # A new entry written between pages does not shift the older pages.
        system._audit.record("test.tick", "tick", 1000 + len(seen))
        system._session.flush()
        params = {**page.filters, "before_id": page.older_before_id}
    assert seen == list(range(119, -1, -1))
    assert page.filters == {"action": "test."}


def test_reading_the_log_needs_audit_view(system, history):
    with pytest.raises(Forbidden):
        sf.acting(system, history["clerk"]).audit_log.page({})
