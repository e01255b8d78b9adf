"""10,000 buyers for a flash sale of 100 units: every unit sold once, the crowd refused fast.

    .venv/bin/python benchmarks/flash_sale.py                      # both databases, all lanes
    .venv/bin/python benchmarks/flash_sale.py --database postgresql --buyers 2000

For each database (a throwaway SQLite file, or a new PostgreSQL database on
``--postgresql-url``, dropped afterwards) it makes ``--buyers`` shoppers with an address (bulk
rows), then for each lane a SKU on a flash sale of ``--quota`` units, one per shopper, and
releases ``--clients`` threads that have every shopper buy once through the application tier
(``tx.flash_sales.buy``, in a writing unit of work, as the buy page's POST does; the session
lookup a request adds is left out). Lanes:

- ``database``: no Redis, as in ``make run``: each buy goes to ``checkout.buy_now`` and its
  conditional UPDATEs (the crowd that comes after the sell-out is refused by a read first).
- ``redis``: a ``redis-server`` the benchmark starts on a port of its own (``--redis-port``,
  nothing kept on disk) takes the buys; the flash-sale worker writes the orders in a thread
  beside the buyers.
- ``redis-stopped``: the same, and that Redis is stopped once ``--stop-after`` of the buyers
  have asked: the tickets still queued are lost with it, the breaker sends the rest of the
  crowd to the database lane, which sells the units those tickets held.

It reports buys per second, p50 and p99 of one buy, the time until the last order was written,
the orders, refusals, tickets queued, tickets lost with Redis, and the checks that fail the run
(exit 1): exactly ``min(quota, buyers)`` orders of the SKU, ``flash_sale_item.sold`` equal to
the units in those orders and in ``discount_use``, no shopper over the limit, no error other
than a refusal.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import zope.sqlalchemy
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.databases import throwaway_database  # noqa: E402

from shop.application import Actor, Conflict, Shop  # noqa: E402
from shop.application.accounts.customers import SHOPPER_PERMISSIONS  # noqa: E402
from shop.application.promotions.flash import worker  # noqa: E402
from shop.application.promotions.flash.redis_lane import RedisLane  # noqa: E402
from shop.data import make_engine  # noqa: E402
from shop.data.models import (  # noqa: E402
    Address,
    Customer,
    DiscountUse,
    FlashSaleItem,
    Order,
    OrderLine,
    Promotion,
)
from shop.data.repositories.rows import append_rows_returning_ids  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LANES = ("database", "redis", "redis-stopped")
BEIJING = {"province_code": "110000", "city_code": "110100", "district_code": "110105"}


@dataclass(frozen=True)
class Buyer:
    actor: Actor
    address_id: int


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    results: Counter[str] = field(default_factory=Counter)
    tickets: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of the benchmark's own on ``port``, keeping nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lane = RedisLane.from_url(f"redis://127.0.0.1:{port}/0")
    for _ in range(100):
        try:
            lane.client.ping()
            break
        except Exception:  # not up yet
            time.sleep(0.05)
    try:
        yield process
    finally:
        process.terminate()
        process.wait()


def open_shop(url: str, pool: int) -> Shop:
    return Shop(make_engine(url, pool_size=pool, max_overflow=0, pool_timeout=120),
                {"shop.argon2.memory_kib": "19456", "shop.argon2.time_cost": "1",
                 "shop.argon2.parallelism": "1"})


def build_shop(shop: Shop, buyers: int) -> list[Buyer]:
    """The category and shipping method, and ``buyers`` shoppers with an address each."""
    system = shop.system_actor("benchmark")
    with shop.transaction(system) as tx:
        tx.catalog.create_category({"slug": "bench", "name_zh": "压测", "name_en": "Bench"})
        tx.shipping.create_method({
            "code": "express", "name_zh": "特快", "name_en": "Express",
            "rules": [{"region": "*", "first_weight_grams": 1000, "first_fee": "12.00",
                       "additional_weight_grams": 1000, "additional_fee": "2.00"}]})
    made: list[Buyer] = []
    run = secrets.token_hex(4)
    for start in range(0, buyers, 2000):
        count = min(2000, buyers - start)
        with shop.transaction(system) as tx:
            ids = append_rows_returning_ids(tx._session, Customer, [
                {"email": f"flash-{run}-{start + n}@example.com",
                 "referral_code": f"F{run}{start + n:07d}"} for n in range(count)])
            addresses = append_rows_returning_ids(tx._session, Address, [
                {"customer_id": key, "recipient": "张三", "mobile": "+8613800138000",
                 "street": "建国路 1 号", "is_default": True, **BEIJING} for key in ids])
            zope.sqlalchemy.mark_changed(tx._session)
        made += [Buyer(Actor(kind="shopper", name=f"customer:{key}", id=key,
                             permissions=SHOPPER_PERMISSIONS), address)
                 for key, address in zip(ids, addresses, strict=True)]
    return made


def flash_sku(shop: Shop, lane: str, quota: int) -> str:
    """A product at ¥100 with 10 × ``quota`` in stock, on the flash sale ``flash-<lane>``."""
    code = f"FLASH-{lane.upper()}"
    now = shop.clock.now()
    with shop.transaction(shop.system_actor("benchmark")) as tx:
        tx.catalog.create_product({
            "slug": f"flash-{lane}", "name_zh": f"秒杀{lane}", "name_en": f"Flash {lane}",
            "category": "bench", "is_published": True,
            "skus": [{"code": code, "price": "100.00", "weight_grams": 400,
                      "stock_on_hand": quota * 10}]})
        tx.promotions.create({
            "code": f"flash-{lane}", "name_zh": "秒杀", "name_en": "Flash sale",
            "kind": "flash_sale", "rule": {"items": f"{code}:50.00:{quota}"},
            "per_customer_limit": 1,
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat()})
    return code


def buy_all(shop: Shop, lane: str, sku: str, buyers: list[Buyer], clients: int,
            on_progress: Any) -> tuple[Tally, float]:
    """Every buyer buys once, ``clients`` at a time; the tally and the seconds it took."""
    tally = Tally()
    pending = iter(buyers)
    take = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client() -> None:
        start.wait()
        while True:
            with take:
                who = next(pending, None)
            if who is None:
                return
            data = {"campaign": f"flash-{lane}", "sku": sku, "quantity": "1",
                    "idempotency_key": secrets.token_urlsafe(18),
                    "address": str(who.address_id), "shipping_method": "express"}
            began = time.perf_counter()
            try:
                with shop.transaction(who.actor) as tx:
                    outcome = tx.flash_sales.buy(data)
                result = "queued" if outcome.ticket else "placed"
            except Conflict:
                result, outcome = "refused", None
            except Exception as exc:  # counted and shown: the run must see every failure
                result, outcome = f"{type(exc).__name__}: {str(exc)[:80]}", None
            elapsed = time.perf_counter() - began
            with tally.lock:
                tally.latencies.append(elapsed)
                tally.results[result] += 1
                if outcome is not None and outcome.ticket:
                    tally.tickets.append(outcome.ticket)
                done = len(tally.latencies)
            on_progress(done)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - began


def books(shop: Shop, sku: str, tickets: list[str]) -> dict[str, int]:
    """What the database says was sold of the SKU, and how many queued tickets have orders."""
    with shop.transaction(shop.system_actor("benchmark"), writes=False) as tx:
        session = tx._session
        item = session.execute(select(FlashSaleItem.promotion_id, FlashSaleItem.sold)
                               .join(Promotion, Promotion.id == FlashSaleItem.promotion_id)
                               .where(Promotion.code == f"flash-{sku.split('-', 1)[1].lower()}")
                               ).one()
        ordered = session.execute(
            select(func.count(func.distinct(Order.id)), func.coalesce(func.sum(
                OrderLine.quantity), 0))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.sku_code == sku)).one()
        used = session.scalar(select(func.coalesce(func.sum(DiscountUse.units), 0)).where(
            DiscountUse.promotion_id == item.promotion_id)) or 0
        over = session.scalar(select(func.count()).select_from(
            select(DiscountUse.customer_id).where(DiscountUse.promotion_id == item.promotion_id)
            .group_by(DiscountUse.customer_id)
            .having(func.sum(DiscountUse.units) > 1).subquery())) or 0
        written = 0
        for start in range(0, len(tickets), 500):
            written += session.scalar(select(func.count()).select_from(Order).where(
                Order.idempotency_key.in_(tickets[start:start + 500]))) or 0
    return {"promotion_id": item.promotion_id, "orders": int(ordered[0]),
            "units": int(ordered[1]), "sold": int(item.sold),
            "used": int(used), "over_limit": int(over), "tickets_written": written}


def run_lane(url: str, kind: str, lane: str, buyers: list[Buyer], args: Any) -> dict[str, Any]:
    shop = open_shop(url, args.clients + 4)
    sku = flash_sku(shop, lane, args.quota)
    stop_worker = threading.Event()
    redis_process: subprocess.Popen[bytes] | None = None
    stopped_at: list[int] = []
    with (redis_server(args.redis_port) if lane != "database" else _nothing()) as process:
        redis_process = process
        if redis_process is not None:
            shop.flash_lane = RedisLane.from_url(f"redis://127.0.0.1:{args.redis_port}/0",
                                                 prefix=f"bench-{lane}")
            written_by = threading.Thread(target=worker.work, args=(shop,),
                                          kwargs={"stop": stop_worker, "wait_seconds": 0.2})
            written_by.start()
        stop_at = int(len(buyers) * args.stop_after) if lane == "redis-stopped" else -1

        def on_progress(done: int) -> None:
            if done == stop_at and redis_process is not None:
                redis_process.terminate()  # mid-sale: whatever is still queued is lost
                stopped_at.append(done)
            if done % 1000 == 0:
                print(f"    {kind} {lane}: {done:,}/{len(buyers):,} buyers", flush=True)

        tally, elapsed = buy_all(shop, lane, sku, buyers, args.clients, on_progress)
        sale_began = time.perf_counter() - elapsed
        if redis_process is not None:
            if lane == "redis":
                worker.work(shop, until_idle=True, wait_seconds=0.2)
            stop_worker.set()
            written_by.join()
        written_after = time.perf_counter() - sale_began
        reconciled = (worker.reconcile(shop) if lane == "redis" else [])
    if lane == "redis-stopped":
        # Redis comes back empty (as a restarted Redis that keeps nothing on disk does): the
        # books run, and a late buyer is answered from the database's count.
        with redis_server(args.redis_port):
            shop.flash_lane = RedisLane.from_url(f"redis://127.0.0.1:{args.redis_port}/0",
                                                 prefix=f"bench-{lane}")
            worker.reconcile(shop)
            late, _ = buy_all(shop, lane, sku, buyers[-1:], 1, lambda done: None)
            reconciled = worker.reconcile(shop)
            stopped_at.append(late.results["refused"])
    found = books(shop, sku, tally.tickets)
    shop.dispose()
    quantiles = statistics.quantiles(tally.latencies, n=100)
    expected = min(args.quota, len(buyers))
    errors = {k: v for k, v in tally.results.items() if k not in ("queued", "placed", "refused")}
    problems = []
    if found["orders"] != expected:
        problems.append(f"{found['orders']} orders, not {expected}")
    if not found["sold"] == found["units"] == found["used"]:
        problems.append(f"sold {found['sold']}, ordered {found['units']}, used {found['used']}")
    if found["over_limit"]:
        problems.append(f"{found['over_limit']} shoppers over the limit")
    if errors:
        problems.append(f"errors: {errors}")
    mine = [b for b in reconciled if b.sale.promotion_id == found["promotion_id"]]
    if lane == "redis-stopped" and not (len(stopped_at) > 1 and stopped_at[1] == 1
                                        and mine and mine[0].lane_left == 0):
        problems.append("after Redis came back empty, the lane did not start from the "
                        "database's count (nothing left)")
    return {
        "database": kind, "lane": lane, "buyers": len(buyers),
        "buys_per_s": len(tally.latencies) / elapsed,
        "p50_ms": quantiles[49] * 1000, "p99_ms": quantiles[98] * 1000,
        "written_s": written_after, **found,
        "queued": tally.results["queued"], "placed": tally.results["placed"],
        "refused": tally.results["refused"],
        "lost_tickets": len(tally.tickets) - found["tickets_written"],
        "stopped_after": stopped_at[0] if stopped_at else None,
        "late_refused": stopped_at[1] if len(stopped_at) > 1 else None,
        "lane_books": [f"admitted {b.admitted}, written {b.written}, refused {b.failed}, "
                       f"closed {b.closed}" for b in reconciled
                       if b.sale.promotion_id == found["promotion_id"]],
        "problems": problems}


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--lane", choices=(*LANES, "all"), default="all")
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--quota", type=int, default=100)
    parser.add_argument("--clients", type=int, default=32, help="buyers asking at once")
    parser.add_argument("--stop-after", type=float, default=0.02,
                        help="redis-stopped: the share of buyers after which Redis stops")
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--postgresql-url", default=os.environ.get("SHOP_BENCH_PG", DEFAULT_PG))
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    lanes = LANES if args.lane == "all" else (args.lane,)
    described = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                               text=True, check=False).stdout.strip()
    print(f"flash-sale benchmark at {described}: {args.buyers:,} buyers for {args.quota} units, "
          f"{args.clients} at once, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    rows = []
    for kind in kinds:
        with throwaway_database(kind, args.postgresql_url, "bench_flash") as url:
            setup = open_shop(url, 4)
            setup.upgrade_database()
            buyers = build_shop(setup, args.buyers)
            setup.dispose()
            for lane in lanes:
                rows.append(run_lane(url, kind, lane, buyers, args))
    print(f"\n{'database':<11}{'lane':<14}{'buys/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
          f"{'written s':>10}{'orders':>7}{'sold':>6}{'queued':>7}{'refused':>8}{'lost':>6}")
    for r in rows:
        print(f"{r['database']:<11}{r['lane']:<14}{r['buys_per_s']:>8.0f}{r['p50_ms']:>8.1f}"
              f"{r['p99_ms']:>8.1f}{r['written_s']:>10.1f}{r['orders']:>7}{r['sold']:>6}"
              f"{r['queued']:>7}{r['refused']:>8}{r['lost_tickets']:>6}")
        if r["stopped_after"]:
            print(f"    Redis stopped after {r['stopped_after']:,} buyers: {r['lost_tickets']} "
                  f"queued tickets lost with it, their units sold again by the database lane "
                  f"({r['placed']} orders placed there); Redis restarted empty and primed from the "
                  f"database: 0 left, a late buyer refused")
        for line in r["lane_books"]:
            print(f"    lane books: {line}")
        for problem in r["problems"]:
            print(f"    FAILED: {problem}")
    return 1 if any(r["problems"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
