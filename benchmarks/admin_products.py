"""The back office's product list at 100,000 products: every filter, sort, a deep page, the
search, an export and a bulk action, timed in-process, with the query plans of the list's
statements.

The list is keyset-paged and counts its matches only up to 1,001 (``product_list``), so a page
should cost about the same on page 1 and on page 1,000, and no filter should make the database
read the whole table, except the name search (a substring: no btree serves ``LIKE '%x%'``),
which walks the list's order until a page is full and so costs the most when little matches.

    .venv/bin/python benchmarks/admin_products.py                      # SQLite and PostgreSQL
    .venv/bin/python benchmarks/admin_products.py --database sqlite --products 20000

Each database is a throwaway one (``tests.databases.throwaway_database``) loaded with the demo
catalog by its bulk loader (which ends with ANALYZE); a share of the hidden products is then
scheduled, and ANALYZE runs again. Figures are the median of ``--runs`` calls of the service, a
unit of work each (what a request pays, less the template); "plan" is the list statement's
plan (``EXPLAIN QUERY PLAN`` / ``EXPLAIN``), "scan" marks one that reads the product table whole.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.databases import throwaway_database  # noqa: E402

from shop.application import Shop  # noqa: E402
from shop.data import make_engine  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def settings(url: str) -> dict[str, str]:
    return {"sqlalchemy.url": url, "shop.default_locale": "zh_CN",
            "pyramid.default_locale_name": "zh_CN"}


def load(url: str, products: int) -> None:
    shop = Shop.from_settings(settings(url))
    try:
        shop.upgrade_database()
        started = time.monotonic()
        with shop.transaction(actor=shop.system_actor("benchmark")) as tx:
            tx.demo.load(products)
        print(f"  loaded {products:,} products in {time.monotonic() - started:.0f} s",
              file=sys.stderr)
    finally:
        shop.dispose()
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            # The demo schedules nothing: a third of its hidden products go live next year.
            connection.execute(text(
                "UPDATE product SET publish_at = :moment WHERE is_published = :no "
                "AND id % 3 = 0"), {"moment": "2027-06-01 00:00:00+00:00", "no": False})
            connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def cases(products: int, sample: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    deep = str(products // 2)
    return [
        ("first page (newest)", {}),
        ("deep page (newest, after N/2)", {"after": deep}),
        ("sort name, first page", {"sort": "name"}),
        ("sort name, deep page", {"sort": "name", "after": deep}),
        ("sort price asc", {"sort": "price_asc"}),
        ("sort price desc, deep page", {"sort": "price_desc", "after": deep}),
        ("search: common name word", {"q": sample["word"]}),
        ("search: rare (nothing matches)", {"q": "不存在的商品"}),
        ("search: SKU code prefix", {"q": sample["code_prefix"]}),
        ("search: barcode", {"q": sample["barcode"]}),
        ("search: slug prefix", {"q": sample["slug_prefix"]}),
        ("category (top, with descendants)", {"category": sample["top"]}),
        ("category (leaf)", {"category": sample["leaf"]}),
        ("category (leaf), deep-ish page", {"category": sample["leaf"],
                                            "after": sample["leaf_anchor"]}),
        ("brand", {"brand": sample["brand"]}),
        ("state: published", {"state": "published"}),
        ("state: hidden", {"state": "hidden"}),
        ("state: scheduled", {"state": "scheduled"}),
        ("price 100-200", {"min_price": "100", "max_price": "200"}),
        ("price 100-200, sort price", {"min_price": "100", "max_price": "200",
                                       "sort": "price_asc"}),
        ("category + brand + price, sort name", {"category": sample["top"],
                                                 "brand": sample["brand"],
                                                 "min_price": "50", "sort": "name"}),
    ]


def sample_values(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            top = c.execute(text("SELECT slug FROM category WHERE parent_id IS NULL "
                                 "ORDER BY id LIMIT 1")).scalar_one()
            leaf, leaf_id = c.execute(text(
                "SELECT c.slug, c.id FROM category c JOIN product p ON p.category_id = c.id "
                "GROUP BY c.slug, c.id ORDER BY count(*) DESC LIMIT 1")).one()
            leaf_anchor = c.execute(text(
                "SELECT id FROM product WHERE category_id = :c ORDER BY id LIMIT 1 OFFSET "
                "(SELECT count(*) / 2 FROM product WHERE category_id = :c)"),
                {"c": leaf_id}).scalar_one()
            brand = c.execute(text("SELECT slug FROM brand ORDER BY id LIMIT 1")).scalar_one()
            name, slug = c.execute(text("SELECT name_zh, slug FROM product WHERE id = :p"),
                                   {"p": products_seen(c) // 2}).one()
            code, barcode = c.execute(text("SELECT code, barcode FROM sku WHERE id = :s"),
                                      {"s": c.execute(text("SELECT max(id) FROM sku")).scalar_one()
                                       // 3}).one()
    finally:
        engine.dispose()
    return {"top": top, "leaf": leaf, "leaf_anchor": str(leaf_anchor), "brand": brand,
            "word": name.split()[1][:2], "code_prefix": code[:-2], "barcode": barcode,
            "slug_prefix": slug.rsplit("-", 1)[0] + "-42"}


def products_seen(connection: Any) -> int:
    return int(connection.execute(text("SELECT max(id) FROM product")).scalar_one())


class Statements:
    """The SQL statements a block runs (transaction control aside), with their parameters."""

    def __init__(self, engine: Any) -> None:
        self.seen: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                      "RELEASE")):
            self.seen.append((statement, parameters))


def plan_of(engine: Any, statement: str, parameters: Any) -> list[str]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + statement, parameters)
        return [row[0] for row in cursor.fetchall()]
    finally:
        raw.close()


def access(kind: str, plan: list[str]) -> str:
    """How the statement reaches the products: "index" (an index range or lookup), "walk" (the
    table in primary-key order, stopping when the page is full), or "scan+sort" (every row
    read, then sorted: what must not happen)."""
    if not plan:
        return ""
    if kind == "sqlite":
        whole = any(line.strip().startswith("SCAN product") and "INDEX" not in line
                    for line in plan)
        sorted_after = any("TEMP B-TREE FOR ORDER BY" in line for line in plan)
    else:
        whole = any("Seq Scan on product" in line for line in plan)
        sorted_after = any(line.strip().startswith(("Sort", "->  Sort", "Incremental Sort"))
                           or "Sort Key" in line for line in plan)
    if whole:
        return "scan+sort" if sorted_after else "walk"
    return "index+sort" if sorted_after else "index"


def timed(call: Callable[[], Any], runs: int) -> float:
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


def run(kind: str, url: str, products: int, runs: int, show_plans: bool) -> list[dict[str, Any]]:
    print(f"{kind}: loading", file=sys.stderr)
    load(url, products)
    sample = sample_values(url)
    shop = Shop.from_settings(settings(url))
    engine = shop._bind  # the engine the units of work use: its statements are counted
    results = []
    try:
        actor = shop.system_actor("benchmark")
        probe = make_engine(url)
        for name, params in cases(products, sample):
            def page(params: dict[str, Any] = params) -> Any:
                with shop.transaction(actor=actor, writes=False) as tx:
                    return tx.products.products(params)

            listing = page()
            ms = timed(page, runs)
            recorder_engine = engine
            recorder = Statements(recorder_engine)
            page()
            event.remove(recorder_engine, "before_cursor_execute", recorder._record)
            searches = [s for s in recorder.seen if "LIMIT" in s[0] and "FROM product" in s[0]]
            plan = plan_of(probe, *searches[0]) if searches else []
            count_plan = plan_of(probe, *searches[1]) if len(searches) > 1 else []
            results.append({"case": name, "ms": ms, "rows": len(listing.rows),
                            "matched": f"{listing.matched}{'+' if listing.more else ''}",
                            "statements": len(recorder.seen),
                            "access": access(kind, plan), "count": access(kind, count_plan),
                            "plan": plan})
            print(f"  {name:<40}{ms:>8.1f} ms", file=sys.stderr)

        def export() -> int:
            with shop.transaction(actor=actor, writes=False) as tx:
                return sum(1 for _ in tx.products.export_rows({"category": sample["leaf"]}))

        exported = export()
        results.append({"case": f"export_rows, leaf category ({exported:,} SKUs)",
                        "ms": timed(export, max(1, runs // 3)), "rows": exported,
                        "matched": "", "statements": "", "access": "", "count": "",
                        "plan": []})
        # The largest bulk action there is: 1,000 products, every SKU's price.
        bulk = {"action": "price_percent", "change": "-10",
                "products": [str(key) for key in range(1, 1001)]}

        def preview() -> Any:
            with shop.transaction(actor=actor, writes=False) as tx:
                return tx.products.bulk_preview(bulk)

        try:
            shown = preview()
            results.append({"case": f"bulk preview, price -10% ({len(shown.changes)} products)",
                            "ms": timed(preview, max(1, runs // 3)), "rows": len(shown.changes),
                            "matched": "", "statements": "", "access": "",
                            "count": "", "plan": []})
            started = time.perf_counter()
            with shop.transaction(actor=actor) as tx:
                outcome = tx.products.bulk_apply({**bulk, "fingerprint": shown.fingerprint})
            results.append({"case": f"bulk apply, same ({len(outcome.plan.changes)} products,"
                                    f" applied={outcome.applied})",
                            "ms": (time.perf_counter() - started) * 1000, "rows": "",
                            "matched": "", "statements": "", "access": "",
                            "count": "", "plan": []})
        except Exception as exc:
            print(f"  bulk: {exc!r}", file=sys.stderr)
        probe.dispose()
    finally:
        shop.dispose()
    print(f"\n{kind}, {products:,} products (median of {runs} runs, in-process)")
    print(f"{'case':<52}{'ms':>8}{'rows':>6}{'matched':>9}{'stmts':>6}  list / count")
    for r in results:
        flag = f"{r['access']} / {r['count']}" if r["access"] else ""
        print(f"{r['case']:<52}{r['ms']:>8.1f}{r['rows']!s:>6}{r['matched']:>9}"
              f"{r['statements']!s:>6}  {flag}")
        if show_plans and r["plan"]:
            for line in r["plan"]:
                print(f"      {line}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--plans", action="store_true", help="print every list query's plan")
    parser.add_argument("--postgresql-url", default=os.environ.get("SHOP_BENCH_PG", DEFAULT_PG))
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for kind in kinds:
        with throwaway_database(kind, args.postgresql_url, "bench_admin_products") as url:
            run(kind, url, args.products, args.runs, args.plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
