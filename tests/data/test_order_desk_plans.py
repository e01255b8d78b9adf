"""The order desk's pages read migration 0019's indexes in the order they show: no scan of every
order, no sort of every match, on the first page as on a deep one.

20,000 orders (a mix of states, payment methods and amounts, a minute apart) are loaded and
analyzed; each filter's page statement is then explained by the database itself (``EXPLAIN
QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL) with its parameters, as the listing plan
tests do. At a million orders the same plans hold: the statements only walk further down the
same indexes, ``LIMIT`` rows at a time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, insert, text

from shop.application import Shop
from shop.application.accounts.customers import CustomerAccounts
from shop.data.models import Order
from tests.data.test_listing_plans import nodes, plan, scans

ORDERS = 20_000
STATES = ("awaiting_payment", "paid", "awaiting_shipment", "shipped", "delivered", "completed",
          "cancelled", "closed")


@pytest.fixture(scope="module")
def desk(engine: Engine) -> Iterator[tuple[Connection, Shop, list[tuple[str, Any]], str]]:
    with engine.connect() as connection:
        outer = connection.begin()
        shop = Shop(connection, {})
        with shop.transaction(actor=shop.system_actor("tests")) as tx:
            customer = CustomerAccounts(tx).new_customer(email="plans@example.com").id
        draw = random.Random(19)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        rows = []
        for n in range(ORDERS):
            payable = Decimal(draw.randint(1000, 500000)) / 100
            rows.append({
                "number": f"{20260101000000000000 + n}", "customer_id": customer,
                "idempotency_key": f"plan-{n:08d}-key-0000", "state": draw.choice(STATES),
                "placed_at": start + timedelta(minutes=n), "updated_at": start,
                "payment_method": "cod" if n % 5 == 0 else "online", "items_total": payable,
                "discount_total": Decimal("0.00"), "shipping_fee": Decimal("0.00"),
                "covered_total": Decimal("0.00"), "payable": payable, "weight_grams": 0,
                "shipping_method_code": "express", "shipping_method_name": "Express",
                "recipient": "张三", "mobile": f"+86138{draw.randint(0, 4999):08d}",
                "province_code": "110000", "city_code": "110100", "district_code": "110105",
                "street": "建国路 1 号", "remarks": ""})
        connection.execute(insert(Order), rows)
        connection.execute(text("ANALYZE"))
        statements: list[tuple[str, Any]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", capture)
        yield connection, shop, statements, rows[ORDERS // 2]["number"]
        event.remove(connection, "before_cursor_execute", capture)
        outer.rollback()


def _page_plan(desk: Any, params: dict[str, str]) -> Any:
    connection, shop, statements, _middle = desk
    with shop.transaction(actor=shop.system_actor("tests"), writes=False) as tx:
        tx.settings.current()
        statements.clear()
        tx.order_desk.search(params)
        statement, parameters = next((s, p) for s, p in statements
                                     if "FROM shop_order" in s and "LIMIT" in s)
        return plan(connection, statement, parameters)


IN_ORDER = [
    {}, {"sort": "oldest"}, {"state": "awaiting_shipment"},
    {"since": "2026-01-05", "until": "2026-01-09"},
    {"state": "paid", "since": "2026-01-05"}, {"sort": "payable_desc"},
    {"sort": "payable_asc", "min_payable": "100", "max_payable": "2000"},
    {"payment_method": "cod"},
]


@pytest.mark.parametrize("deep", [False, True])
@pytest.mark.parametrize("params", IN_ORDER)
def test_each_filtered_page_walks_an_index_in_order(desk: Any, params: dict[str, str],
                                                    deep: bool) -> None:
    found = _page_plan(desk, {**params, **({"after": desk[3]} if deep else {})})
    if isinstance(found, str):
        assert "INDEX ix_shop_order_" in found or "PRIMARY KEY" in found, found
        assert "TEMP B-TREE" not in found, found
        return
    (limit,) = [n for n in nodes(found) if n["Node Type"] == "Limit"]
    walked = scans(limit, "shop_order")
    assert [n["Node Type"] for n in walked] in (["Index Scan"], ["Index Only Scan"]), found
    assert walked[0]["Index Name"].startswith("ix_shop_order_"), found
    assert not [n for n in nodes(limit) if n["Node Type"] in ("Sort", "Incremental Sort")], found


@pytest.mark.parametrize("params", [{"q": "13800001234"}, {"q": "20260101000000012345"},
                                    {"review": "queue"}, {"flag": "urgent"}])
def test_narrow_filters_find_their_orders_by_index(desk: Any, params: dict[str, str]) -> None:
    """A phone, a number, the review queue, a flag: a few rows found by an index (sorting
    those few is cheap), never a scan of every order."""
    found = _page_plan(desk, params)
    if isinstance(found, str):
        assert "SCAN shop_order" not in found.replace("SCAN shop_order USING", ""), found
        return
    assert not [n for n in scans(found, "shop_order") if n["Node Type"] == "Seq Scan"], found
