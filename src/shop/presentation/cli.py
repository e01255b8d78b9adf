"""``shop-admin``: the operator's console, built on the application tier like every view.

    shop-admin development.ini db upgrade
    shop-admin development.ini db current
    shop-admin development.ini demo load [--products N] [--if-empty]
    shop-admin development.ini staff create --username U --email E --role R [--password-stdin]
    shop-admin development.ini outbox deliver [--limit N] [--every SECONDS]
    shop-admin development.ini jobs list
    shop-admin development.ini jobs run [--once] [--job NAME]
    shop-admin development.ini shipments event SHIPMENT_ID --status S --description D
        [--location L] [--at ISO] [--by NAME]
    shop-admin development.ini orders ship ORDER_NUMBER --carrier C --tracking-number T [--by NAME]
    shop-admin production.ini flash-sales work [--until-idle]
    shop-admin production.ini flash-sales reconcile
    shop-admin development.ini catalog import FILE [--dry-run]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from pyramid.paster import setup_logging

from shop.application import Shop, ShopError
from shop.application.jobs.catalog import JOBS, find_job
from shop.application.jobs.runner import JobRunner
from shop.application.messaging.delivery import deliver_messages
from shop.presentation.cli_catalog import add_catalog_commands
from shop.presentation.cli_flash_sales import add_flash_sale_commands
from shop.presentation.cli_orders import add_order_commands
from shop.presentation.cli_payments import add_payment_commands
from shop.presentation.cli_shipments import add_shipment_commands
from shop.presentation.cli_staff import add_staff_commands
from shop.presentation.settings import load_settings


class ProgressBar:
    """One line on stderr, redrawn at most ten times a second."""

    def __init__(self, stream=sys.stderr) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.drawn < 0.1:
            return
        self.drawn = now
        width = 30
        filled = width * done // max(total, 1)
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(f"\r{stage:<9} [{'#' * filled}{'.' * (width - filled)}] "
                          f"{done:>9,}/{total:,} {rate:,.0f}/s  {now - self.started:6.1f}s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def db_upgrade(shop: Shop, args: argparse.Namespace) -> int:
    shop.upgrade_database(args.revision)
    current, head = shop.database_revision()
    print(f"database at revision {current} (head {head})")
    return 0


def db_current(shop: Shop, args: argparse.Namespace) -> int:
    current, head = shop.database_revision()
    state = "up to date" if current == head else "UPGRADE NEEDED"
    print(f"current: {current}  head: {head}  {state}")
    return 0 if current == head else 1


def demo_load(shop: Shop, args: argparse.Namespace) -> int:
    actor = shop.system_actor("shop-admin demo")
    with shop.transaction(actor=actor, writes=False) as tx:
        empty = tx.demo.is_empty()
    if not empty:
        if args.if_empty:
            print("the shop already has products; demo not loaded")
            return 0
        print("error: the shop already has products; the demo loads into an empty shop only",
              file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        with shop.transaction(actor=actor) as tx:
            loaded = tx.demo.load(args.products, progress=ProgressBar())
    except KeyboardInterrupt:
        print("\ninterrupted: the load was rolled back, nothing was written", file=sys.stderr)
        return 130
    print(f"demo shop loaded: {loaded:,} products in {time.monotonic() - started:.1f}s")
    return 0


def outbox_deliver(shop: Shop, args: argparse.Namespace) -> int:
    """Send due emails and SMS; with ``--every`` keep doing it (development) until Ctrl-C."""
    while True:
        report = deliver_messages(shop, limit=args.limit)
        if report.sent or report.failed or not args.every:
            print(f"outbox: {report.sent} sent, {report.failed} failed", flush=True)
        if not args.every:
            return 0 if report.failed == 0 else 1
        try:
            time.sleep(args.every)
        except KeyboardInterrupt:
            return 0


def jobs_list(shop: Shop, args: argparse.Namespace) -> int:
    for job in JOBS:
        print(f"{job.name:<18} every {_duration(job.every.total_seconds()):>6}  {job.summary}")
    return 0


def jobs_run(shop: Shop, args: argparse.Namespace) -> int:
    """Run the jobs in the foreground: each once (``--once``), or each when due until Ctrl-C."""
    runner = JobRunner(shop, [find_job(name) for name in args.job] if args.job else JOBS)
    if args.once:
        outcomes = runner.run_all()
        for outcome in outcomes:
            said = outcome.result if outcome.ok else f"FAILED {outcome.error}"
            print(f"{outcome.job}: {said}", flush=True)
        return 0 if all(outcome.ok for outcome in outcomes) else 1
    print(f"running {', '.join(job.name for job in runner.jobs)}; Ctrl-C stops", flush=True)
    try:
        while True:
            runner.run_due()
            time.sleep(1)
    except KeyboardInterrupt:
        return 0


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds:g}s"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="shop-admin", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("config_uri", help="the ini file, e.g. development.ini")
    areas = root.add_subparsers(dest="area", required=True)

    db = areas.add_parser("db", help="the database schema").add_subparsers(
        dest="action", required=True)
    upgrade = db.add_parser("upgrade", help="migrate to the latest revision")
    upgrade.add_argument("revision", nargs="?", default="heads")
    upgrade.set_defaults(handler=db_upgrade)
    db.add_parser("current", help="show the schema revision").set_defaults(handler=db_current)

    demo = areas.add_parser("demo", help="the demo shop").add_subparsers(
        dest="action", required=True)
    load = demo.add_parser("load", help="load the demo catalog into an empty shop")
    load.add_argument("--products", type=int, default=2000, help="how many products (SPU)")
    load.add_argument("--if-empty", action="store_true", help="do nothing if products exist")
    load.set_defaults(handler=demo_load)

    outbox = areas.add_parser("outbox", help="queued emails and SMS").add_subparsers(
        dest="action", required=True)
    deliver = outbox.add_parser("deliver", help="send the pending messages")
    deliver.add_argument("--limit", type=int, default=100, help="at most this many per round")
    deliver.add_argument("--every", type=float, default=0,
                         help="repeat every SECONDS (development); 0 sends once")
    deliver.set_defaults(handler=outbox_deliver)

    jobs = areas.add_parser("jobs", help="background and scheduled work").add_subparsers(
        dest="action", required=True)
    jobs.add_parser("list", help="the jobs and how often they run").set_defaults(
        handler=jobs_list)
    run = jobs.add_parser("run", help="run the jobs in this process (the embedded engine)")
    run.add_argument("--once", action="store_true", help="run each job once, then exit")
    run.add_argument("--job", action="append", default=[], metavar="NAME",
                     choices=[job.name for job in JOBS], help="only this job (repeatable)")
    run.set_defaults(handler=jobs_run)
    add_staff_commands(areas)
    add_shipment_commands(areas)
    add_order_commands(areas)
    add_payment_commands(areas)
    add_flash_sale_commands(areas)
    add_catalog_commands(areas)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.config_uri)
    try:
        # A setting the shop refuses (快递100 chosen without its credentials, say) is said
        # plainly, like any other refusal.
        shop = Shop.from_settings(load_settings(args.config_uri))
    except ShopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        return args.handler(shop, args)
    except ShopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        shop.dispose()


if __name__ == "__main__":
    sys.exit(main())
