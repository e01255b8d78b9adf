"""The customers (客户管理) in the back office: the list with its search, filters, sort and
next link, the CSV and XLSX exports, one customer's page, refusals of hostile input (4xx, never
5xx), 403 for staff without ``crm:customer:view`` (and the application's own refusal), and
bounded query counts for the list and the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from shop.application import Actor, Forbidden
from shop.application.accounts import customer_desk
from shop.data.models import AuditEntry, Order
from tests import staff_factories as sf
from tests.coupons_support import orders as bare_orders
from tests.shoppers import new_customer

EN = {"Accept-Language": "en"}
LIST = "/admin/customers"
#: The session, the staff member and their roles, the reference data's revision tokens; then one
#: page of customers and what their orders come to (one grouped query for the whole page).
LIST_BUDGET = 6
#: The same four; the customer, their orders' sums, latest orders, addresses counted, latest
#: after-sales requests and (when there are any) those requests' order numbers.
DETAIL_BUDGET = 10


def _order(shop, clock, customer_id: int, payable: str, state: str = "completed") -> str:
    """A bare order of the customer for ``payable`` in ``state``, placed ten days ago."""
    [order_id] = bare_orders(shop, Actor(kind="shopper", name="t", id=customer_id))
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx._session.execute(update(Order).where(Order.id == order_id).values(
            payable=Decimal(payable), items_total=Decimal(payable), discount_total=0,
            state=state, number=f"{order_id:020d}",
            placed_at=clock.now() - timedelta(days=10)))
    return f"{order_id:020d}"


@pytest.fixture
def people(shop, clock):
    """A (no orders, a formula for a name), B (silver: ¥1,200 paid), C (one cancelled order),
    registered a month apart."""
    clock.set(datetime(2026, 1, 1, 2, 0, tzinfo=UTC))
    a = new_customer(shop, name='=HYPERLINK("x")', email="a@example.com",
                     mobile="+8613800138000")
    clock.advance(days=31)
    b = new_customer(shop, name="王小明", email="wang@example.com", mobile="+8613900139000")
    clock.advance(days=31)
    c = new_customer(shop, name="Wang Li", email="li@example.com")
    clock.advance(days=20)
    b_order = _order(shop, clock, b, "1200.00")
    _order(shop, clock, c, "9000.00", state="cancelled")
    return {"a": a, "b": b, "c": c, "b_order": b_order}


def signed_in(app, system, roles=("customer_service",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def _ids(page):
    return [int(row["data-id"]) for row in page.html.select("tr.customer-row")]


def test_the_list_shows_customers_newest_first_with_masked_mobiles(app, system, people):
    signed_in(app, system)
    page = app.get(LIST, headers=EN)
    assert _ids(page) == [people["c"], people["b"], people["a"]]
    nav = page.html.select_one("#admin-nav ul[data-module=customers] a[data-area=admin_customers]")
    assert nav is not None
    row = page.html.select_one(f"tr[data-id='{people['b']}']")
    assert row.select_one(".customer-mobile").text == "139****9000"
    assert "13900139000" not in page.text
    assert row.select_one(".customer-level")["data-level"] == "silver"
    assert row.select_one(".customer-orders").text == "1"


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "WANG@example.com"}, ["b"]),
    ({"q": "139 0013 9000"}, ["b"]),
    ({"q": "+86 138-0013-8000"}, ["a"]),
    ({"q": "Wang"}, ["c"]),
    ({"q": "王"}, ["b"]),
    ({"q": "%"}, []),
    ({"level": "silver"}, ["b"]),
    ({"level": "gold"}, []),
    ({"level": "none"}, ["c", "a"]),
    ({"has_ordered": "yes"}, ["c", "b"]),
    ({"has_ordered": "no"}, ["a"]),
    ({"since": "2026-01-15", "until": "2026-02-15"}, ["b"]),
    ({"until": "2026-01-01"}, ["a"]),
    ({"sort": "oldest"}, ["a", "b", "c"]),
    ({"sort": "oldest", "has_ordered": "yes", "level": "none"}, ["c"]),
])
def test_the_filters(app, system, people, params, expected):
    signed_in(app, system)
    assert _ids(app.get(LIST, params, headers=EN)) == [people[k] for k in expected]


def test_keyset_pages_follow_the_next_link(app, system, people, monkeypatch):
    signed_in(app, system)
    monkeypatch.setattr(customer_desk, "PAGE_SIZE", 2)
    for sort, order in (("newest", ["c", "b", "a"]), ("oldest", ["a", "b", "c"])):
        first = app.get(LIST, {"sort": sort}, headers=EN)
        assert _ids(first) == [people[k] for k in order[:2]]
        second = app.get(first.html.select_one("#next-page")["href"], headers=EN)
        assert _ids(second) == [people[order[2]]]
        assert second.html.select_one("#next-page") is None


@pytest.mark.parametrize(("params", "fields"), [
    ({"q": "12345"}, {"q"}),
    ({"level": "diamond", "has_ordered": "maybe"}, {"level", "has_ordered"}),
    ({"since": "nope", "sort": "name"}, {"since", "sort"}),
    ({"since": "2026-03-01", "until": "2026-01-01"}, {"until"}),
    ({"q": "x" * 300}, {"q"}),
])
def test_a_bad_filter_is_shown_on_its_field(app, system, people, params, fields):
    signed_in(app, system)
    page = app.get(LIST, params, headers=EN, status=400)
    assert {e["data-field"] for e in page.html.select(".invalid-feedback")} == fields
    app.get(f"{LIST}/export.csv", params, headers=EN, status=400)


def test_hostile_cursors_and_numbers_are_4xx(app, system, people):
    signed_in(app, system)
    app.get(LIST, {"after": "abc"}, headers=EN, status=400)
    app.get(LIST, {"after": "99999999"}, headers=EN, status=404)
    app.get(LIST, {"after": "9" * 30}, headers=EN, status=400)
    app.get(f"{LIST}/99999999", status=404)
    app.get(f"{LIST}/{'9' * 40}", status=404)
    app.get(f"{LIST}/abc", status=404)
    app.get(f"{LIST}/export.pdf", status=404)
    app.get(f"{LIST}?q=%00", status=400)


def test_the_customer_page(app, system, people):
    signed_in(app, system)
    page = app.get(f"{LIST}/{people['b']}", headers=EN)
    assert page.html.select_one("#customer-name").text.strip() == "王小明"
    assert page.html.select_one("#customer-mobile").text.startswith("139 0013 9000")
    assert page.html.select_one("#customer-orders").text == "1"
    assert page.html.select_one("#customer-spent").text == "¥1,200.00"
    assert page.html.select_one("#customer-level")["data-level"] == "silver"
    assert page.html.select_one("#customer-addresses").text == "0"
    link = page.html.select_one(f"tr.customer-order[data-number='{people['b_order']}'] a")
    assert link["href"] == f"/admin/orders/{people['b_order']}"
    assert page.html.select_one("#no-rmas") is not None
    assert app.get(f"{LIST}/{people['a']}", headers=EN).html.select_one("#no-orders")


@pytest.mark.parametrize("roles", [["merchandiser"], ["warehouse"], ["finance"]])
def test_staff_without_the_customer_permission_are_refused(app, system, people, roles):
    signed_in(app, system, roles)
    for url in (LIST, f"{LIST}/export.csv", f"{LIST}/export.xlsx", f"{LIST}/{people['a']}"):
        app.get(url, status=403)
    page = app.get("/admin", headers=EN)
    assert page.html.select_one("#admin-nav a[data-area=admin_customers]") is None


def test_the_application_refuses_without_the_permission(shop, system, people):
    member = sf.staff(system, ["warehouse"])
    actor = system.staff.actor_for(member.id)
    with shop.transaction(actor) as tx:
        for call in (lambda: tx.customer_desk.search({}),
                     lambda: tx.customer_desk.detail(people["a"]),
                     lambda: tx.customer_desk.begin_export({}, "csv"),
                     lambda: list(tx.customer_desk.export_rows({}))):
            with pytest.raises(Forbidden):
                call()


def test_csv_export_has_a_bom_masks_mobiles_and_defuses_formulas(app, system, people):
    signed_in(app, system)
    response = app.get(f"{LIST}/export.csv", {"sort": "oldest"}, headers=EN)
    assert response.content_type == "text/csv"
    assert 'filename="customers-' in response.headers["Content-Disposition"]
    assert response.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Customer number", "Name", "Username", "Email", "Mobile number"]
    assert [int(r[0]) for r in rows[1:]] == [people["a"], people["b"], people["c"]]
    assert rows[1][1] == "'=HYPERLINK(\"x\")" and rows[1][4] == "138****8000"
    assert rows[2][5] == "Silver member" and rows[2][6] == "1" and rows[2][7] == "1200.00"
    with system.shop.transaction(system.shop.system_actor("tests")) as tx:
        actions = tx._session.scalars(select(AuditEntry.action)).all()
    assert "customer.export" in actions
    filtered = app.get(f"{LIST}/export.csv", {"level": "silver"}, headers=EN)
    assert len(list(csv.reader(io.StringIO(filtered.body.decode("utf-8-sig"))))) == 2


def test_xlsx_export_opens_with_numbers_and_text_never_formulas(app, system, people):
    signed_in(app, system)
    response = app.get(f"{LIST}/export.xlsx", {"sort": "oldest"}, headers=EN)
    assert response.content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.body), read_only=True).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Customer number"
    assert [r[0] for r in rows[1:]] == [people["a"], people["b"], people["c"]]
    assert rows[1][1] == "'=HYPERLINK(\"x\")"
    assert rows[2][6] == 1 and rows[2][7] == 1200
    for row in list(sheet.iter_rows())[1:]:
        for n, cell in enumerate(row):
            if cell.value is not None:
                assert cell.data_type == ("n" if n in (0, 6, 7) else "s"), (n, cell.value)


def test_export_reads_in_batches(shop, people, monkeypatch):
    monkeypatch.setattr(customer_desk, "EXPORT_BATCH", 2)
    with shop.transaction(shop.system_actor("tests"), writes=False) as tx:
        rows = list(tx.customer_desk.export_rows({"sort": "oldest"}))
    assert [r.id for r in rows] == [people["a"], people["b"], people["c"]]


def test_the_list_and_the_page_cost_a_bounded_number_of_queries(
        app, shop, clock, system, people, queries):
    signed_in(app, system)
    app.get(LIST, headers=EN)
    app.get(f"{LIST}/{people['b']}", headers=EN)
    queries.reset()
    app.get(LIST, headers=EN)
    few = queries.count
    queries.reset()
    app.get(f"{LIST}/{people['b']}", headers=EN)
    detail = queries.count
    assert few <= LIST_BUDGET and detail <= DETAIL_BUDGET, queries.statements
    for n in range(6):
        customer = new_customer(shop, name=f"More {n}")
        for _ in range(3):
            _order(shop, clock, customer, "10.00")
        _order(shop, clock, people["b"], "10.00")
    queries.reset()
    app.get(LIST, headers=EN)
    assert queries.count == few
    queries.reset()
    app.get(LIST, {"level": "silver", "has_ordered": "yes", "q": "王"}, headers=EN)
    assert queries.count == few
    queries.reset()
    app.get(f"{LIST}/{people['b']}", headers=EN)
    assert queries.count == detail


def test_the_audit_log_links_a_customer_to_their_page(app, shop, system, people):
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx._audit.record("accounts.customer.register", "customer", people["b"], after={})
    signed_in(app, system, ["administrator"])
    page = app.get("/admin/audit", {"entity_type": "customer"}, headers=EN)
    links = [a["href"] for a in page.html.select("a.audit-record-link")]
    assert f"{LIST}/{people['b']}" in links
