"""A product import of 10,000 rows: the dry run and the import, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/product_import.py                     # both databases, ~1 min
    .venv/bin/python benchmarks/product_import.py --database sqlite --rows 20000 --skus 2

For each database (a throwaway SQLite file, or a new PostgreSQL database on
``--postgresql-url``, dropped afterwards) it makes the reference data (two categories under a
top one, 20 brands, colour / size / fit values), writes a CSV of ``--rows`` rows (``--skus``
SKUs per product, product columns on each product's first row only, a description, a barcode
and opening stock on every SKU), and through ``tx.product_import`` as the import page does:

1. checks it (the dry run) in its own transaction, rolled back;
2. imports it in its own transaction, committed (listing rows, ready counts, audit entry);
3. checks and imports a second file of as many rows into the now filled catalog, so that the
   taken-key look-ups meet existing rows.

It prints the seconds and SQL statements of each step (statements counted on the engine,
transaction control left out), then checks the result: every product and SKU written, the
ready facet counts equal to a full recount (what creating the products one by one would have
left), and one audit entry per import. The exit status is 1 when a check fails or a step
takes a minute or more.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.databases import throwaway_database  # noqa: E402

from shop.application import Shop, Upload  # noqa: E402
from shop.application.catalog.import_format import COLUMNS  # noqa: E402
from shop.application.catalog.indexing import ListingIndex  # noqa: E402
from shop.data import make_engine  # noqa: E402
from shop.data.models import AuditEntry, ListingFacetCount, Product, Sku  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COLOURS = ["red", "blue", "black", "white", "green"]
SIZES = ["s", "m", "l", "xl"]
TARGET_SECONDS = 60.0


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.count += 1


def build_reference(shop: Shop) -> None:
    with shop.transaction(actor=shop.system_actor("benchmark")) as tx:
        def values(codes: list[str]) -> list[dict[str, str]]:
            return [{"code": c, "name_zh": c, "name_en": c.title()} for c in codes]

        tx.catalog.create_attribute({"code": "color", "name_zh": "颜色", "name_en": "Colour",
                                     "is_variant_axis": True, "values": values(COLOURS)})
        tx.catalog.create_attribute({"code": "size", "name_zh": "尺码", "name_en": "Size",
                                     "is_variant_axis": True, "values": values(SIZES)})
        tx.catalog.create_attribute({"code": "fit", "name_zh": "版型", "name_en": "Fit",
                                     "values": values(["slim", "loose"])})
        tx.catalog.create_category({"slug": "clothes", "name_zh": "服装", "name_en": "Clothes"})
        for slug in ("shirts", "jeans"):
            tx.catalog.create_category({"slug": slug, "name_zh": slug, "name_en": slug.title(),
                                        "parent": "clothes"})
        for n in range(20):
            tx.catalog.create_brand({"slug": f"brand-{n}", "name_zh": f"品牌{n}",
                                     "name_en": f"Brand {n}"})


def csv_file(batch: int, rows: int, skus: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n in range(rows):
        product, sku = divmod(n, skus)
        first = sku == 0
        values = f"color:{COLOURS[sku % len(COLOURS)]}|size:{SIZES[(sku // 5) % len(SIZES)]}"
        writer.writerow([
            f"b{batch}-product-{product}",
            f"批量商品 {batch}-{product}" if first else "",
            f"Imported product {batch}-{product}" if first else "",
            ("shirts" if product % 2 else "jeans") if first else "",
            f"brand-{product % 20}" if first else "",
            f"<p>Imported product {product}, <strong>batch {batch}</strong>.</p>" if first
            else "",
            "true" if first else "",
            f"fit:{'slim' if product % 3 else 'loose'}" if first else "",
            f"B{batch}-{product:06d}-{sku}",
            f"{50 + product % 900}.{sku:02d}",
            f"{80 + product % 900}.00" if product % 4 == 0 else "",
            str(product % 50),
            str(200 + sku * 10),
            f"69{batch}{n:010d}",
            values,
        ])
    return out.getvalue().encode("utf-8-sig")


def timed(shop: Shop, counter: StatementCounter, content: bytes, name: str,
          dry_run: bool) -> tuple[float, int, Any]:
    counter.count = 0
    began = time.perf_counter()
    if dry_run:
        with shop.transaction(actor=shop.system_actor("benchmark"), writes=False) as tx:
            report = tx.product_import.check(Upload(io.BytesIO(content), name))
    else:
        with shop.transaction(actor=shop.system_actor("benchmark")) as tx:
            report = tx.product_import.run(Upload(io.BytesIO(content), name))
    return time.perf_counter() - began, counter.count, report


def facet_counts(shop: Shop) -> dict[tuple[Any, ...], int]:
    with shop.transaction(actor=shop.system_actor("benchmark"), writes=False) as tx:
        rows = tx._session.execute(select(
            ListingFacetCount.scope_kind, ListingFacetCount.scope_id, ListingFacetCount.facet,
            ListingFacetCount.key, ListingFacetCount.count)).all()
    return {tuple(r[:4]): r[4] for r in rows}


def run(kind: str, url: str, rows: int, skus: int) -> dict[str, Any]:
    engine = make_engine(url)
    shop = Shop(engine, {})
    shop.upgrade_database()
    build_reference(shop)
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    steps = []
    problems: list[str] = []
    for batch in (1, 2):
        content = csv_file(batch, rows, skus)
        name = f"products-{batch}.csv"
        for dry_run in (True, False):
            seconds, statements, report = timed(shop, counter, content, name, dry_run)
            steps.append({"step": f"{'dry run' if dry_run else 'import'} {batch}",
                          "seconds": seconds, "statements": statements,
                          "megabytes": len(content) / 1e6})
            if report.errors:
                problems.append(f"{name}: {len(report.errors)} errors, first "
                                f"{report.errors[0]}")
            if not dry_run and not report.imported:
                problems.append(f"{name} was not imported")
    event.remove(engine, "before_cursor_execute", counter)
    with shop.transaction(actor=shop.system_actor("benchmark"), writes=False) as tx:
        session = tx._session
        products = session.scalar(select(func.count()).select_from(Product))
        written_skus = session.scalar(select(func.count()).select_from(Sku))
        audited = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "catalog.product.import"))
    if products != 2 * (-(-rows // skus)) or written_skus != 2 * rows:
        problems.append(f"wrote {products} products and {written_skus} SKUs")
    if audited != 2:
        problems.append(f"{audited} audit entries for 2 imports")
    kept = facet_counts(shop)
    with shop.transaction(actor=shop.system_actor("benchmark")) as tx:
        ListingIndex(tx).rebuild()
    if facet_counts(shop) != kept:
        problems.append("the ready facet counts differ from a full recount")
    shop.dispose()
    return {"database": kind, "steps": steps, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=10_000, help="rows (SKUs) per file")
    parser.add_argument("--skus", type=int, default=4, help="SKUs per product")
    parser.add_argument("--postgresql-url", default=os.environ.get("SHOP_BENCH_PG", DEFAULT_PG))
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    described = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                               text=True, check=False).stdout.strip()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"product import benchmark at {described}: {args.rows:,} rows of {args.skus} SKUs a "
          f"product, {os.cpu_count()} CPUs, load average {load:.1f}")
    results = []
    for kind in kinds:
        with throwaway_database(kind, args.postgresql_url, "bench_import") as url:
            results.append(run(kind, url, args.rows, args.skus))
    print(f"\n{'database':<11}{'step':<11}{'MB':>6}{'seconds':>9}{'rows/s':>9}{'statements':>11}")
    failed = False
    for result in results:
        for step in result["steps"]:
            print(f"{result['database']:<11}{step['step']:<11}{step['megabytes']:>6.1f}"
                  f"{step['seconds']:>9.2f}{args.rows / step['seconds']:>9,.0f}"
                  f"{step['statements']:>11}")
            failed = failed or step["seconds"] >= TARGET_SECONDS
        for problem in result["problems"]:
            print(f"    PROBLEM ({result['database']}): {problem}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
