"""The RMA queue's exports (CSV, XLSX) of what its filters match, read a batch at a time, its
sort and keyset paging in either order, and who may export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shop.application import Forbidden
from shop.application.rma import service as rma_service
from shop.data.models import AuditEntry
from tests import staff_factories as sf
from tests.rma_support import ask, sold, stock_up

EN = {"Accept-Language": "en"}


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.media.directory": str(tmp_path / "media")}


@pytest.fixture
def requests(shop):
    """Three requests, oldest first: two returns and an exchange; one says =cmd."""
    skus = stock_up(shop)
    made = []
    for kind, reason in (("return", "quality"), ("return", "damaged"), ("exchange", "quality")):
        order = sold(shop, skus)
        made.append(ask(shop, order.who, order.number, kind, reason, {order.lines[0]: 1},
                        description="=cmd|' /C calc'!A0").number)
    return made


def _numbers(page):
    return [row["data-number"] for row in page.html.select("tr.rma")]


def test_the_queue_sorts_and_pages_both_ways(app, system, requests, monkeypatch):
    sf.cookie(app, system, "staff", sf.staff(system, ["customer_service"]).id)
    monkeypatch.setattr(rma_service, "PAGE_SIZE", 2)
    for sort, expected in (("newest", requests[::-1]), ("oldest", requests)):
        first = app.get("/admin/rma", {"sort": sort}, headers=EN)
        assert _numbers(first) == expected[:2]
        second = app.get(first.html.select_one("#older-rma")["href"], headers=EN)
        assert _numbers(second) == expected[2:]
        assert second.html.select_one("#older-rma") is None
    assert _numbers(app.get("/admin/rma", {"kind": "exchange"}, headers=EN)) == [requests[2]]
    # Hostile values: an unknown sort is the default, a bad cursor is 404, never a 500.
    assert _numbers(app.get("/admin/rma", {"sort": "'; drop"}, headers=EN)) == requests[:0:-1]
    app.get("/admin/rma", {"before": "x"}, status=404)
    app.get("/admin/rma", {"order": "9" * 200}, headers=EN)


def test_csv_export_of_what_the_filters_match(app, system, requests):
    sf.cookie(app, system, "staff", sf.staff(system, ["customer_service"]).id)
    response = app.get("/admin/rma/export.csv", {"state": "all", "sort": "oldest"},
                       headers=EN)
    assert response.content_type == "text/csv"
    assert 'filename="rma-' in response.headers["Content-Disposition"]
    assert response.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Request", "Order", "Kind"]
    assert [r[0] for r in rows[1:]] == requests
    only = app.get("/admin/rma/export.csv", {"kind": "exchange"}, headers=EN)
    assert [r[0] for r in csv.reader(io.StringIO(only.body.decode("utf-8-sig")))][1:] == \
        [requests[2]]
    with system.shop.transaction(system.shop.system_actor("tests")) as tx:
        assert "rma.export" in tx._session.scalars(select(AuditEntry.action)).all()


def test_xlsx_export_opens_and_amounts_are_numbers(app, system, requests):
    sf.cookie(app, system, "staff", sf.staff(system, ["customer_service"]).id)
    response = app.get("/admin/rma/export.xlsx", headers=EN)
    sheet = load_workbook(io.BytesIO(response.body), read_only=True).active
    rows = list(sheet.iter_rows())
    assert [r[0].value for r in rows[1:]] == requests[::-1]
    for row in rows[1:]:
        assert row[6].data_type == "n" and row[6].value == 0
        assert all(c.data_type == "s" for n, c in enumerate(row) if n != 6 and c.value)


def test_export_reads_in_batches_and_needs_the_order_permission(shop, system, requests,
                                                                monkeypatch, app):
    monkeypatch.setattr(rma_service, "EXPORT_BATCH", 2)
    with shop.transaction(shop.system_actor("tests"), writes=False) as tx:
        assert [r.number for r in tx.rma.export_rows(sort="oldest")] == requests
        assert list(tx.rma.export_rows(order="nope")) == []
    member = sf.staff(system, ["merchandiser"])
    with shop.transaction(system.staff.actor_for(member.id)) as tx:
        with pytest.raises(Forbidden):
            list(tx.rma.export_rows())
        with pytest.raises(Forbidden):
            tx.rma.begin_export(fmt="csv")
    sf.cookie(app, system, "staff", member.id)
    app.get("/admin/rma/export.csv", status=403)
    app.get("/admin/rma/export.xlsx", status=403)


def test_the_customer_page_lists_their_requests(app, system, shop):
    order = sold(shop, stock_up(shop))
    made = ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 1})
    sf.cookie(app, system, "staff", sf.staff(system, ["customer_service"]).id)
    page = app.get(f"/admin/customers/{order.who.actor.id}", headers=EN)
    row = page.html.select_one(f"tr.customer-rma[data-number='{made.number}']")
    assert row.select_one("a")["href"] == f"/admin/rma/{made.number}"
    assert order.number in row.text
    assert page.html.select_one(f"tr.customer-order[data-number='{order.number}']")
    assert page.html.select_one("#customer-addresses").text == "1"
