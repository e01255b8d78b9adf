"""The customer desk's pages read migration 0024's index in the order they show: no scan of
every customer, no sort of every match, on the first page as on a deep one.

20,000 customers (registered a minute apart, a tenth of them with an order) are loaded and
analyzed; each filter's page statement is then explained by the database itself (``EXPLAIN
QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL) with its parameters, as the order desk's
plan tests do. At a hundred thousand customers and more the same plans hold: the statements
only walk further down the same index, ``LIMIT`` rows at a time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, insert, select, text

from shop.application import Shop
from shop.data.models import Customer, Order
from tests.data.test_listing_plans import nodes, plan, scans

CUSTOMERS = 20_000


@pytest.fixture(scope="module")
def desk(engine: Engine) -> Iterator[tuple[Connection, Shop, list[tuple[str, Any]], str]]:
    with engine.connect() as connection:
        outer = connection.begin()
        shop = Shop(connection, {})
        draw = random.Random(24)
        start = datetime(2025, 1, 1, tzinfo=UTC)
        connection.execute(insert(Customer), [{
            "email": f"plan{n}@example.com", "mobile": f"+86139{n:08d}",
            "name": f"{draw.choice('王李张刘陈杨')}{n}", "referral_code": f"P{n:09d}",
            "profile_completed": False, "is_active": True,
            "created_at": start + timedelta(minutes=n)} for n in range(CUSTOMERS)])
        ids = connection.scalars(select(Customer.id).order_by(Customer.id)).all()
        connection.execute(insert(Order), [{
            "number": f"{20250101000000000000 + n}", "customer_id": customer_id,
            "idempotency_key": f"plan-{n:08d}-key-0000", "state": "completed",
            "placed_at": start + timedelta(days=400, minutes=n), "updated_at": start,
            "payment_method": "online", "items_total": Decimal("1500.00"),
            "discount_total": Decimal("0.00"), "shipping_fee": Decimal("0.00"),
            "covered_total": Decimal("0.00"), "payable": Decimal("1500.00"), "weight_grams": 0,
            "shipping_method_code": "express", "shipping_method_name": "Express",
            "recipient": "张三", "mobile": "+8613800138000", "province_code": "110000",
            "city_code": "110100", "district_code": "110105", "street": "建国路 1 号",
            "remarks": ""} for n, customer_id in enumerate(ids[::10])])
        connection.execute(text("ANALYZE"))
        statements: list[tuple[str, Any]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", capture)
        yield connection, shop, statements, str(ids[CUSTOMERS // 2])
        event.remove(connection, "before_cursor_execute", capture)
        outer.rollback()


def _page_plan(desk: Any, params: dict[str, str]) -> Any:
    connection, shop, statements, _middle = desk
    with shop.transaction(actor=shop.system_actor("tests"), writes=False) as tx:
        tx.settings.current()
        statements.clear()
        tx.customer_desk.search(params)
        statement, parameters = next((s, p) for s, p in statements
                                     if "FROM customer" in s and "LIMIT" in s)
        return plan(connection, statement, parameters)


IN_ORDER = [
    {}, {"sort": "oldest"}, {"since": "2025-01-05", "until": "2025-01-09"},
    {"has_ordered": "yes"}, {"level": "silver"}, {"level": "none", "sort": "oldest"},
]


@pytest.mark.parametrize("deep", [False, True])
@pytest.mark.parametrize("params", IN_ORDER)
def test_each_filtered_page_walks_the_registration_index_in_order(
        desk: Any, params: dict[str, str], deep: bool) -> None:
    found = _page_plan(desk, {**params, **({"after": desk[3]} if deep else {})})
    if isinstance(found, str):
        assert "INDEX ix_customer_created_at_id" in found, found
        assert "TEMP B-TREE" not in found, found
        return
    (limit,) = [n for n in nodes(found) if n["Node Type"] == "Limit"]
    walked = scans(limit, "customer")
    assert [n["Node Type"] for n in walked] in (["Index Scan"], ["Index Only Scan"]), found
    assert walked[0]["Index Name"] == "ix_customer_created_at_id", found
    assert not [n for n in nodes(limit) if n["Node Type"] in ("Sort", "Incremental Sort")], found


@pytest.mark.parametrize("params", [{"q": "plan77@example.com"}, {"q": "139 0000 0077"}])
def test_an_email_or_a_mobile_finds_its_customer_by_index(desk: Any,
                                                          params: dict[str, str]) -> None:
    found = _page_plan(desk, params)
    if isinstance(found, str):
        assert "SCAN customer" not in found.replace("SCAN customer USING", ""), found
        assert "SEARCH customer USING INDEX" in found, found
        return
    assert not [n for n in scans(found, "customer") if n["Node Type"] == "Seq Scan"], found


def test_a_name_prefix_reads_the_name_index_on_postgresql(desk: Any) -> None:
    """SQLite's LIKE ignores case, so only PostgreSQL can answer a prefix from the index (the
    ``text_pattern_ops`` one); SQLite walks the registration index and filters."""
    found = _page_plan(desk, {"q": "王12"})
    if isinstance(found, str):
        assert "ix_customer" in found, found
        return
    assert not [n for n in scans(found, "customer") if n["Node Type"] == "Seq Scan"], found
