"""Orders per second at checkout, with concurrent clients racing for stock.

    .venv/bin/python benchmarks/checkout.py                      # both databases, both scenarios
    .venv/bin/python benchmarks/checkout.py --database postgresql --orders 3000 --processes 4

For each database (a throwaway SQLite file, or a new PostgreSQL database on
``--postgresql-url``, dropped afterwards) and each scenario it builds a catalog, gives every
client its own shoppers (an address and a cart each), releases all clients together and has
them place one order per shopper through the application tier (``tx.checkout.place``), as the
checkout page does. It reports orders per second over the racing phase, p50 and p99 of one
placement, how many were refused as sold out, errors of any other kind, and the oversell count:
units ordered beyond a SKU's stock (it must be 0).

- ``hot``: every order is for one unit of one SKU whose stock is half the orders: half succeed.
- ``spread``: 500 SKUs with ample stock; each order takes 1 to 3 of them at random.

Clients are threads of one process (as waitress serves the app) or, with ``--processes``, that
many processes sharing the clients (PostgreSQL only: several SQLite writer processes would
meet in SQLite's busy handler, which the shop's in-process writer gate exists to avoid).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.databases import throwaway_database  # noqa: E402
from tests.ordering_support import Buyer, buyers_with_carts, submit  # noqa: E402

from shop.application import Conflict, Shop  # noqa: E402
from shop.data import make_engine  # noqa: E402
from shop.data.models import OrderLine, StockLevel  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SPREAD_SKUS = 500


def open_shop(url: str, pool: int, **settings: str) -> Shop:
    return Shop(make_engine(url, pool_size=pool, max_overflow=0, pool_timeout=120),
                {"shop.argon2.memory_kib": "19456", "shop.argon2.time_cost": "1",
                 "shop.argon2.parallelism": "1", **settings})


def build_catalog(shop: Shop, scenario: str, orders: int) -> dict[str, int]:
    """SKU code -> opening stock."""
    stock: dict[str, int] = {}
    with shop.transaction(shop.system_actor("benchmark")) as tx:
        tx.catalog.create_category({"slug": "bench", "name_zh": "压测", "name_en": "Bench"})
        tx.shipping.create_method({
            "code": "express", "name_zh": "特快", "name_en": "Express",
            "rules": [{"region": "*", "first_weight_grams": 1000, "first_fee": "12.00",
                       "additional_weight_grams": 1000, "additional_fee": "2.00"}]})
        products = 1 if scenario == "hot" else SPREAD_SKUS // 5
        for p in range(products):
            skus = []
            for s in range(1 if scenario == "hot" else 5):
                code = f"B{p:04d}-{s}"
                stock[code] = orders // 2 if scenario == "hot" else orders
                skus.append({"code": code, "price": f"{20 + s}.00", "weight_grams": 400,
                             "stock_on_hand": stock[code]})
            tx.catalog.create_product({"slug": f"bench-{p}", "name_zh": f"压测商品{p}",
                                       "name_en": f"Bench product {p}", "category": "bench",
                                       "is_published": True, "skus": skus})
    return stock


@dataclass
class Outcome:
    latencies: list[float]
    results: Counter[str]


def prepare_buyers(shop: Shop, count: int, codes: list[str], scenario: str,
                   seed: int) -> list[Buyer]:
    """``count`` shoppers with an address and a cart: the hot SKU, or 1 to 3 SKUs at random."""
    rng = random.Random(seed)
    return buyers_with_carts(shop, count, lambda n: dict.fromkeys(
        codes if scenario == "hot" else rng.sample(codes, rng.randint(1, 3)), 1))


def place_all(shop: Shop, buyers: list[Buyer], start: Any) -> Outcome:
    outcome = Outcome([], Counter())
    start.wait()
    for buyer in buyers:
        began = time.perf_counter()
        try:
            submit(shop, buyer)
            outcome.results["ordered"] += 1
        except Conflict:
            outcome.results["sold out"] += 1
        except Exception as exc:  # counted and shown: the benchmark must see every failure
            outcome.results[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
        outcome.latencies.append(time.perf_counter() - began)
    return outcome


def client_group(url: str, scenario: str, codes: list[str], counts: list[int],
                 seed: int, start: Any, ready: Any, queue: Any) -> None:
    """One process's clients (threads): prepare, wait for the start, place, report."""
    shop = open_shop(url, len(counts) + 2)
    groups = [prepare_buyers(shop, count, codes, scenario, seed * 100 + n)
              for n, count in enumerate(counts)]
    ready.wait()
    outcomes: list[Outcome] = []
    threads = [threading.Thread(target=lambda g=g: outcomes.append(place_all(shop, g, start)))
               for g in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shop.dispose()
    queue.put([(o.latencies, dict(o.results)) for o in outcomes])


def oversold(shop: Shop, stock: dict[str, int]) -> int:
    with shop.transaction(shop.system_actor("benchmark"), writes=False) as tx:
        ordered = dict(tx._session.execute(select(OrderLine.sku_code, func.sum(OrderLine.quantity))
                                           .group_by(OrderLine.sku_code)).all())
        negative = tx._session.scalar(select(func.count()).select_from(StockLevel).where(
            (StockLevel.on_hand < StockLevel.reserved) | (StockLevel.reserved < 0)))
    return sum(max(0, int(ordered.get(code, 0)) - units) for code, units in stock.items()) \
        + int(negative or 0)


def run(kind: str, url: str, scenario: str, clients: int, orders: int,
        processes: int) -> dict[str, Any]:
    setup = open_shop(url, 4)
    setup.upgrade_database()
    stock = build_catalog(setup, scenario, orders)
    codes = sorted(stock)
    per_client = [orders // clients + (1 if n < orders % clients else 0)
                  for n in range(clients)]
    shares = [per_client[n::processes] for n in range(processes)]
    context = multiprocessing.get_context("spawn" if processes > 1 else "fork")
    if processes > 1:
        start, ready, queue = context.Barrier(clients + 1), context.Barrier(processes + 1), \
            context.Queue()
        workers = [context.Process(target=client_group, args=(url, scenario, codes, share,
                                                             n, start, ready, queue))
                   for n, share in enumerate(shares)]
        for worker in workers:
            worker.start()
    else:
        start, ready = threading.Barrier(clients + 1), threading.Barrier(2)
        results: list[Any] = []

        class _Queue:
            def put(self, item: Any) -> None:
                results.append(item)

            def get(self) -> Any:
                return results.pop()

        queue = _Queue()
        workers = [threading.Thread(target=client_group, args=(url, scenario, codes, shares[0],
                                                               0, start, ready, queue))]
        for worker in workers:
            worker.start()
    ready.wait()
    print(f"  {kind} {scenario}: {orders} shoppers ready, racing", flush=True)
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    reports = [queue.get() for _ in workers]
    latencies = sorted(x for report in reports for lat, _ in report for x in lat)
    counted: Counter[str] = Counter()
    for report in reports:
        for _, result in report:
            counted.update(result)
    over = oversold(setup, stock)
    setup.dispose()
    quantiles = statistics.quantiles(latencies, n=100)
    return {"database": kind, "scenario": scenario, "clients": clients,
            "orders_per_s": counted["ordered"] / elapsed,
            "attempts_per_s": len(latencies) / elapsed,
            "p50_ms": quantiles[49] * 1000, "p99_ms": quantiles[98] * 1000,
            "ordered": counted["ordered"], "sold_out": counted["sold out"],
            "errors": sum(v for k, v in counted.items() if k not in ("ordered", "sold out")),
            "error_kinds": [k for k in counted if k not in ("ordered", "sold out")],
            "oversold": over}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scenario", choices=("hot", "spread", "both"), default="both")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--orders", type=int, default=2000, help="attempts per scenario")
    parser.add_argument("--processes", type=int, default=1,
                        help="processes sharing the clients (PostgreSQL)")
    parser.add_argument("--postgresql-url", default=os.environ.get("SHOP_BENCH_PG", DEFAULT_PG))
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    scenarios = ("hot", "spread") if args.scenario == "both" else (args.scenario,)
    described = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                               text=True, check=False).stdout.strip()
    print(f"checkout benchmark at {described}: {args.clients} clients, {args.orders} attempts "
          f"per scenario, {os.cpu_count()} CPUs")
    rows = []
    for kind in kinds:
        processes = 1 if kind == "sqlite" else args.processes
        for scenario in scenarios:
            with throwaway_database(kind, args.postgresql_url, "bench_checkout") as url:
                rows.append(run(kind, url, scenario, args.clients, args.orders, processes))
    print(f"\n{'database':<11}{'scenario':<9}{'orders/s':>9}{'tries/s':>9}{'p50 ms':>8}"
          f"{'p99 ms':>8}{'ordered':>8}{'sold out':>9}{'errors':>7}{'oversold':>9}")
    for r in rows:
        print(f"{r['database']:<11}{r['scenario']:<9}{r['orders_per_s']:>9.1f}"
              f"{r['attempts_per_s']:>9.1f}{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}"
              f"{r['ordered']:>8}{r['sold_out']:>9}{r['errors']:>7}{r['oversold']:>9}")
        for kind in r["error_kinds"]:
            print(f"    error: {kind}")
    return 1 if any(r["oversold"] or r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
