"""Gateway notifications per second: verified, recorded and settled by the notify endpoints.

    .venv/bin/python benchmarks/payments.py                         # SQLite and PostgreSQL
    .venv/bin/python benchmarks/payments.py --database postgresql --payments 2000

For each database (a throwaway SQLite file, or a new PostgreSQL database on
``--postgresql-url``, dropped afterwards) it places ``--payments`` orders, starts each one's
payment at Alipay or WeChat Pay (half each) against the simulators, has the simulator pay it,
and builds the gateway's signed notification (RSA2 form for Alipay; WeChat Pay v3 JSON with
AES-256-GCM resource and SHA256withRSA headers). It then serves the shop with waitress (16
threads) on 127.0.0.1 and has ``--senders`` clients POST them to ``/payments/<gateway>/notify``
over keep-alive HTTP, with ``--duplicates`` of them sent a second time (mixed in at random, so
some copies race their original). Every request is verified from scratch (signature, and for
WeChat Pay the decryption): nothing is cached.

It reports notifications per second over the sending phase, p50 and p99 of one request, the
answers that were not the gateway's "accepted", and the double credits: payments captured more
than once in the ledger, and orders whose captured tenders exceed their payable (both must be 0).
"""

from __future__ import annotations

import argparse
import http.client
import logging
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from waitress.server import create_server

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from benchmarks.checkout import DEFAULT_PG, database, open_shop  # noqa: E402
from tests.gateway_support import install  # noqa: E402
from tests.ordering_support import buyers_with_carts, prepare_shop, sku_codes, submit  # noqa: E402

from shop.application.clock import SystemClock  # noqa: E402
from shop.data.models import GatewayEvent, LedgerEntry, Order  # noqa: E402
from shop.presentation import make_app  # noqa: E402

GATEWAYS = ("alipay", "wechat")


@dataclass(frozen=True)
class Notice:
    gateway: str
    headers: dict[str, str]
    body: bytes


def prepare(shop, count: int, keys: Path) -> list[Notice]:
    """``count`` orders paid at their gateway; their notifications, signed now."""
    gateways = install(shop, SystemClock(), keys)
    with shop.transaction(shop.system_actor("benchmark")) as tx:
        prepare_shop(tx)
        [sku] = sku_codes(tx, stock=count * 2, price="88.00")
    buyers = buyers_with_carts(shop, count, {sku: 1})
    pending = []
    for n, who in enumerate(buyers):
        number = submit(shop, who).number
        name = GATEWAYS[n % 2]
        with shop.transaction(who.actor) as tx:
            result = tx.payments.pay(number, {"gateway": name})
        gateways.open_cashier(who.actor, result.payment_number)
        gateways.simulators[name].pay(result.payment_number)
        pending.append((name, result.payment_number))
        if (n + 1) % 200 == 0:
            print(f"  {n + 1}/{count} orders placed and paid at the gateway", flush=True)
    gateways.outbox.clear()
    notices = []
    for name, number in pending:  # signed now: WeChat Pay refuses a signature 5 minutes old
        headers, body = gateways.simulators[name].notification(number)
        notices.append(Notice(name, dict(headers), body))
    return notices


def send_all(port: int, notices: list[Notice], senders: int) -> tuple[float, list[float], int]:
    work: queue.Queue[Notice | None] = queue.Queue()
    for notice in notices:
        work.put(notice)
    for _ in range(senders):
        work.put(None)
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()
    start = threading.Barrier(senders + 1)

    def sender() -> None:
        nonlocal refused
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        while (notice := work.get()) is not None:
            began = time.perf_counter()
            connection.request("POST", f"/payments/{notice.gateway}/notify", notice.body,
                               notice.headers)
            response = connection.getresponse()
            answer = response.read()
            took = time.perf_counter() - began
            ok = response.status < 300 and (notice.gateway != "alipay" or answer == b"success")
            with lock:
                latencies.append(took)
                refused += not ok
        connection.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies, refused


def double_credits(shop) -> tuple[int, int, int]:
    """(payments captured twice, orders over-paid, events recorded)."""
    with shop.transaction(shop.system_actor("benchmark")) as tx:
        session = tx._session
        twice = session.scalar(select(func.count()).select_from(
            select(LedgerEntry.payment_number).where(LedgerEntry.kind == "gateway_capture",
                                                     LedgerEntry.direction == "credit")
            .group_by(LedgerEntry.payment_number).having(func.count() > 1).subquery()))
        paid = dict(session.execute(
            select(LedgerEntry.order_number, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.kind == "gateway_capture", LedgerEntry.direction == "credit")
            .group_by(LedgerEntry.order_number)).all())
        payable = dict(session.execute(select(Order.number, Order.payable)).all())
        over = sum(1 for number, amount in paid.items() if Decimal(amount) > payable[number])
        events = session.scalar(select(func.count()).select_from(GatewayEvent))
    return int(twice or 0), over, int(events or 0)


def run(kind: str, url: str, count: int, senders: int, duplicates: float) -> dict:
    shop = open_shop(url, pool=senders + 4, **{"shop.public_url": "http://127.0.0.1"})
    shop.upgrade_database()
    with tempfile.TemporaryDirectory() as keys:
        print(f"{kind}: preparing {count} paid trades", flush=True)
        notices = prepare(shop, count, Path(keys))
        copies = random.Random(7).sample(notices, int(len(notices) * duplicates))
        sends = notices + copies
        random.Random(11).shuffle(sends)
        app = make_app({"sqlalchemy.url": url, "shop.public_url": "http://127.0.0.1"},
                       shop=shop)
        server = create_server(app, host="127.0.0.1", port=0, threads=16)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            elapsed, latencies, refused = send_all(server.effective_port, sends, senders)
        finally:
            server.close()
        twice, over, events = double_credits(shop)
    shop.dispose()
    latencies.sort()
    return {"database": kind, "sent": len(sends), "duplicates": len(copies),
            "per_second": len(sends) / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000, "refused": refused,
            "captured_twice": twice, "over_paid": over, "events": events, "unique": count}


def main() -> None:
    logging.getLogger("waitress").setLevel(logging.ERROR)  # "task queue depth" is the point
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgresql-url", default=DEFAULT_PG)
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--duplicates", type=float, default=0.10)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    rows = []
    for kind in kinds:
        with database(kind, args.postgresql_url) as url:
            rows.append(run(kind, url, args.payments, args.senders, args.duplicates))
    print("\n| database | sent (dups) | notifications/s | p50 ms | p99 ms | refused | "
          "captured twice | over-paid orders | events recorded |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['database']} | {r['sent']:,} ({r['duplicates']}) | {r['per_second']:.1f} | "
              f"{r['p50']:.0f} | {r['p99']:.0f} | {r['refused']} | {r['captured_twice']} | "
              f"{r['over_paid']} | {r['events']:,} of {r['unique']:,} |")


if __name__ == "__main__":
    main()
