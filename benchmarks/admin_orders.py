"""The back office's order list at 1,000,000 orders: every filter's page, and the export.

    .venv/bin/python benchmarks/admin_orders.py                       # both databases
    .venv/bin/python benchmarks/admin_orders.py --database postgresql --orders 200000

For each database (a throwaway SQLite file, or a new PostgreSQL database on
``--postgresql-url``, dropped afterwards) it writes ``--customers`` shoppers and ``--orders``
orders spread over a year (states, payment methods, reviews, amounts and flags in the
proportions a shop sees; a fixed seed), runs ``ANALYZE``, then asks the order desk
(``tx.order_desk.search``, what ``/admin/orders`` renders) for each filter's first page, a
second page and a page deep in the list, ``--repeat`` times, and reads ``--export`` rows of the
export (``export_rows``). It reports the median time and the statements each page took.

The list is keyset-paged on indexed columns, so a page should cost about the same at 1,000 or
1,000,000 orders; a filter that has to walk the index past many rows it then drops (a rare
flag in old orders, say) is where it would show. Exit status 1 if a page takes more than
``--slow`` milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import zope.sqlalchemy
from sqlalchemy import event, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.databases import throwaway_database

from shop.application import Shop
from shop.data import make_engine
from shop.data.models import Customer, Order, OrderFlag
from shop.data.repositories.rows import append_rows_returning_ids
from shop.presentation.cli import ProgressBar

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 20_000
#: (state, share): most orders of a year are done with.
STATES = (("completed", 0.60), ("cancelled", 0.10), ("shipped", 0.08), ("closed", 0.05),
          ("delivered", 0.06), ("awaiting_shipment", 0.07), ("paid", 0.01),
          ("awaiting_payment", 0.03))
FLAGS = (("urgent", 0.01), ("risk", 0.002), ("vip", 0.001))
PROVINCE, CITY, DISTRICT = "110000", "110100", "110105"


def orders(count: int, customers: list[int], now: datetime,
           rng: random.Random) -> Iterator[dict[str, Any]]:
    """``count`` orders, the newest first, one every year / ``count``."""
    names, weights = zip(*STATES, strict=True)
    step = timedelta(days=365) / count
    for n in range(count):
        state = rng.choices(names, weights)[0]
        items = Decimal(rng.randint(990, 300_000)) / 100
        discount = (items * Decimal("0.1")).quantize(Decimal("0.01")) if n % 7 == 0 \
            else Decimal("0.00")
        fee = Decimal("0.00") if items >= 99 else Decimal("12.00")
        placed = now - step * n
        yield {
            "number": placed.strftime("%Y%m%d") + f"{n:012d}",
            "customer_id": customers[n % len(customers)], "idempotency_key": f"bench-{n}",
            "state": state, "placed_at": placed, "updated_at": placed,
            "pay_by": placed + timedelta(minutes=30) if state == "awaiting_payment" else None,
            "payment_method": "cod" if n % 10 == 3 else "online",
            "items_total": items, "discount_total": discount, "shipping_fee": fee,
            "covered_total": Decimal("0.00"), "payable": items - discount + fee,
            "weight_grams": 500, "shipping_method_code": "express",
            "shipping_method_name": "特快", "recipient": "张三",
            "mobile": f"+86138{n % 100_000_000:08d}", "province_code": PROVINCE,
            "city_code": CITY, "district_code": DISTRICT, "street": "建国路 1 号",
            "postcode": None, "remarks": "",
            "review": ("pending" if n % 400 == 5 else "approved" if n % 20 == 1 else None),
        }


def write(session: Any, batch: list[dict[str, Any]]) -> None:
    """PostgreSQL takes a batch by COPY (a multi-row INSERT into a table with ten indexes
    wrote 2,000 orders a second here); SQLite by one prepared INSERT run many times."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(Order.__table__.insert(), batch)
        return
    columns = list(batch[0])
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY shop_order ({', '.join(columns)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([row[c] for c in columns])


def load(shop: Shop, count: int, customer_count: int) -> dict[str, str]:
    """Write the shoppers and orders in batches; the numbers the deep scenarios start after."""
    rng = random.Random(20261202)
    now = shop.clock.now().astimezone(UTC)
    system = shop.system_actor("benchmark")
    with shop.transaction(system) as tx:
        customers = append_rows_returning_ids(tx._session, Customer, [
            {"email": f"bench-{n}@example.com", "referral_code": f"B{n:09d}"}
            for n in range(customer_count)])
        zope.sqlalchemy.mark_changed(tx._session)
    bar = ProgressBar()
    rows = orders(count, customers, now, rng)
    for start in range(0, count, BATCH):
        batch = [next(rows) for _ in range(min(BATCH, count - start))]
        with shop.transaction(system) as tx:
            session = tx._session
            write(session, batch)
            ids = session.scalars(select(Order.id).where(
                Order.number.in_([batch[0]["number"], batch[-1]["number"]]))).all()
            low, high = min(ids), max(ids)
            placed = dict(session.execute(select(Order.id, Order.placed_at).where(
                Order.id.between(low, high))).all())
            flags = [{"order_id": key, "order_placed_at": placed[key], "kind": kind,
                      "text": "", "created_by": "staff:bench", "created_at": now}
                     for key in range(low, high + 1) for kind, share in FLAGS
                     if rng.random() < share]
            if flags:
                session.execute(insert(OrderFlag), flags)
            zope.sqlalchemy.mark_changed(session)
        bar("orders", start + len(batch), count)
    with shop.transaction(system) as tx:
        session = tx._session
        session.execute(text("ANALYZE"))
        zope.sqlalchemy.mark_changed(session)
        numbers = {
            "page2": session.scalar(select(Order.number).order_by(Order.placed_at.desc(),
                                                                  Order.id.desc())
                                    .offset(49).limit(1)),
            "deep": session.scalar(select(Order.number).order_by(Order.placed_at.desc(),
                                                                 Order.id.desc())
                                   .offset(count * 9 // 10).limit(1)),
            "middle_day": session.scalar(select(Order.placed_at).order_by(Order.id)
                                         .offset(count // 2).limit(1)),
        }
    return {k: (v.date().isoformat() if isinstance(v, datetime) else str(v))
            for k, v in numbers.items()}


def scenarios(marks: dict[str, str]) -> dict[str, dict[str, str]]:
    day = marks["middle_day"]
    return {
        "newest, first page": {},
        "newest, second page": {"after": marks["page2"]},
        "newest, 90% deep": {"after": marks["deep"]},
        "oldest first": {"sort": "oldest"},
        "largest amount first": {"sort": "payable_desc"},
        "awaiting shipment (7%)": {"state": "awaiting_shipment"},
        "unpaid cash on delivery": {"state": "awaiting_payment", "payment_method": "cod"},
        "one day": {"since": day, "until": day},
        "¥1,000–2,000, largest first": {"min_payable": "1000", "max_payable": "2000",
                                        "sort": "payable_desc"},
        "flag: risk (0.2%)": {"flag": "risk"},
        "flag: VIP, unpaid (rare)": {"flag": "vip", "state": "awaiting_payment"},
        "review queue (0.25%)": {"review": "queue"},
        "by mobile number": {"q": "13800000123"},
        "by order number": {"q": marks["deep"]},
    }


@contextmanager
def recording(engine: Any) -> Iterator[list[tuple[float, str, Any]]]:
    """Each statement run meanwhile: (seconds, SQL, parameters)."""
    seen: list[tuple[float, str, Any]] = []
    started: list[float] = []

    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        seen.append((time.perf_counter() - started.pop(), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(engine: Any, statement: str, parameters: Any) -> str:
    """The plan the database ran ``statement`` by (PostgreSQL: with its timings)."""
    postgresql = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
    return "\n".join("    " + (row[0] if postgresql else str(row[-1])) for row in rows)


@dataclass
class Timing:
    ms: float
    statements: list[tuple[float, str, Any]]
    result: Any


def timed(shop: Shop, engine: Any, work: Callable[[Any], Any], repeat: int) -> Timing:
    """Median milliseconds of ``work`` in a read-only unit of work, the statements of its last
    run, and what it returned."""
    times: list[float] = []
    for _ in range(repeat):
        with recording(engine) as seen:
            started = time.perf_counter()
            with shop.transaction(shop.system_actor("benchmark"), writes=False) as tx:
                result = work(tx)
            times.append((time.perf_counter() - started) * 1000)
    return Timing(statistics.median(times), seen, result)


def run(kind: str, url: str, args: argparse.Namespace) -> list[tuple[str, float, int, int]]:
    """Load, then time each scenario; a slow page's slowest statement is shown with its plan."""
    engine = make_engine(url, pool_size=2, max_overflow=0)
    shop = Shop(engine, {})
    shop.upgrade_database()
    started = time.perf_counter()
    marks = load(shop, args.orders, args.customers)
    print(f"{kind}: {args.orders:,} orders loaded and analysed in "
          f"{time.perf_counter() - started:.0f} s")
    results = []
    for name, params in scenarios(marks).items():
        page = timed(shop, engine, lambda tx, p=params: tx.order_desk.search(p), args.repeat)
        results.append((name, page.ms, len(page.statements), len(page.result.rows)))
        if page.ms > args.slow or args.explain:
            _seconds, statement, parameters = max(page.statements, key=lambda s: s[0])
            print(f"{kind}, {name}: {page.ms:.0f} ms; its slowest statement's plan:\n"
                  f"{explain(engine, statement, parameters)}")
    export = timed(shop, engine, lambda tx: sum(1 for _ in zip(
        range(args.export), tx.order_desk.export_rows({}), strict=False)), 1)
    results.append((f"export, first {export.result:,} rows", export.ms,
                    len(export.statements), export.result))
    shop.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--export", type=int, default=10_000)
    parser.add_argument("--slow", type=float, default=200.0,
                        help="a page slower than this many milliseconds fails the run")
    parser.add_argument("--explain", action="store_true",
                        help="show every page's slowest statement's plan, not only slow ones")
    parser.add_argument("--postgresql-url", default=os.environ.get("SHOP_BENCH_PG", DEFAULT_PG))
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    described = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                               text=True, check=False).stdout.strip()
    print(f"order-list benchmark at {described}: {args.orders:,} orders, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}")
    slow = False
    for kind in kinds:
        with throwaway_database(kind, args.postgresql_url, "bench_orders") as url:
            results = run(kind, url, args)
        print(f"\n{kind:<34}{'ms (median)':>12}{'statements':>11}{'rows':>6}")
        for name, ms, statements, rows in results:
            page = not name.startswith("export")
            late = page and ms > args.slow
            slow = slow or late
            print(f"{name:<34}{ms:>12.1f}{statements:>11}{rows:>6}{'  SLOW' if late else ''}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
