"""The audit log page through the real app: entries in words, links to the changed records,
date presets, and the CSV export (its content, its filters, its own audit line)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from webob import Request

from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def boss(app, system):
    member = sf.staff(system, ["administrator"], username="boss", name="Boss")
    sf.cookie(app, system, "staff", member.id)
    return member


def test_entries_read_in_words_with_a_link_to_the_record(app, system, boss):
    clerk = sf.staff(system, ["finance"], username="clerk")
    sf.acting(system, boss).staff.update_staff(clerk.id, {"name": "Clerk Two",
                                                          "is_active": False})
    system._audit.record("accounts.customer.register", "customer", 5,
                         after={"referred_by_id": None, "email": "x@example.com"})
    system._session.flush()  # the app reads through a session of its own
    page = app.get("/admin/audit", headers=EN)
    rows = page.html.select(".audit-entry")
    register, update = rows[0], rows[1]
    assert register.select_one(".audit-action-label").text == "Customer registered"
    referred = register.select_one('[data-field="referred_by_id"]')
    assert referred.select_one(".audit-field").text == "Referred by"
    assert referred.select_one(".audit-after").text == "—"
    assert "null" not in register.text
    assert update.select_one(".audit-action-label").text == "Staff member changed"
    assert update.select_one('[data-field="is_active"] .audit-after').text == "No"
    assert update.select_one('[data-field="name"] .audit-before').text == "Staff clerk"
    assert update.select_one(".audit-record-link")["href"] == f"/admin/staff/{clerk.id}"
    assert register.select_one(".audit-record-link")["href"] == "/admin/customers/5"


def test_labels_are_translated(app, system, boss):
    system._audit.record("accounts.customer.register", "customer", 5,
                         after={"referred_by_id": None})
    system._session.flush()
    page = app.get("/admin/audit", headers={"Accept-Language": "zh-CN"})
    # Translated once the lead adds the zh_CN messages; never the machine name meanwhile.
    label = page.html.select_one(".audit-action-label").text
    assert label and label != "accounts.customer.register"


def test_presets_filter_and_keep_the_other_filters(app, system, boss, clock):
    clock.set(NOON)
    system._audit.record("test.today", "t", 1)
    system._session.flush()
    page = app.get("/admin/audit", {"action": "test.", "preset": "today"}, headers=EN)
    assert [r.select_one(".audit-action").text for r in page.html.select(".audit-entry")] == \
        ["test.today"]
    week = page.html.select_one('[data-preset="7d"]')["href"]
    assert "action=test." in week and "preset=7d" in week
    assert page.html.select_one('[data-preset="today"]')["aria-current"] == "true"
    assert app.get("/admin/audit", {"preset": "ever"}, headers=EN, status=400) \
        .html.select_one('[data-field="preset"]') is not None


def test_the_csv_export_holds_what_the_filters_match(app, system, boss, clock):
    clock.set(NOON)
    for i in range(3):
        system._audit.record("test.tick", "tick", i, before={"n": i}, after={"n": i + 1})
    system._audit.record("test.formula", "tick", "=1+1", after={"name": "=cmd()"})
    system._audit.record("other.thing", "x", 1)
    system._session.flush()
    page = app.get("/admin/audit", {"action": "test."}, headers=EN)
    response = app.get(page.html.select_one("#audit-export")["href"], headers=EN)
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert response.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "Action", "Action code", "Entity", "Entity id",
                       "Changes", "IP address"]
    assert [r[3] for r in rows[1:]] == ["test.formula", "test.tick", "test.tick", "test.tick"]
    assert rows[1][5] == "'=1+1"  # a cell a spreadsheet would run as a formula is defused
    assert rows[1][6] == "Name: — → =cmd()"
    assert rows[2][5] == "2" and rows[2][6] == "N: 2 → 3"
    assert rows[2][0] == "2026-12-01 12:00:00"  # the shop's time zone
    # The export itself is in the log, with its filters.
    exported = system.audit_log.page({"action": "audit.export"}).rows
    assert exported[0].entry.after == {"filters": {"action": "test."}}


def test_an_export_of_a_long_log_is_streamed(app, wsgi_app, system, boss):
    for i in range(1200):
        system._audit.record("test.tick", "tick", i)
    system._session.flush()
    request = Request.blank("/admin/audit/export.csv?action=test.", headers={
        **EN, "Host": "localhost",
        "Cookie": "; ".join(f"{k}={v}" for k, v in app.cookies.items())})
    status, _headers, body = request.call_application(wsgi_app)
    assert status.startswith("200")
    chunks = list(body)  # the rows are read while the body is sent, in pieces
    assert len(chunks) > 2
    assert len(b"".join(chunks).decode("utf-8-sig").splitlines()) == 1201


def test_a_bad_filter_refuses_the_export(app, system, boss):
    page = app.get("/admin/audit/export.csv", {"since": "soon"}, headers=EN, status=400)
    assert page.html.select_one('[data-field="since"]') is not None


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit/export.csv"])
def test_the_log_and_its_export_are_the_back_offices_403_for_other_roles(app, system, url):
    clerk = sf.staff(system, ["finance"])
    sf.cookie(app, system, "staff", clerk.id)
    page = app.get(url, headers=EN, status=403)
    assert page.html.select_one("#admin-forbidden") is not None


def test_a_catalog_entry_links_to_its_editor(app, system, boss):
    system._audit.record("catalog.category.update", "category", 7, after={"name_zh": "衬衫"})
    system._audit.record("catalog.attribute.value.add", "attribute_value", 3,
                         after={"code": "red"})
    system._session.flush()
    rows = app.get("/admin/audit", headers=EN).html.select(".audit-entry")
    assert [row.select_one(".audit-record-link")["href"] for row in rows[:2]] == [
        "/admin/catalog/attributes", "/admin/catalog/categories/7"]
