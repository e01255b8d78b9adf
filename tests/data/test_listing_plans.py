"""Listing queries read an index in the order they show: no table scan, no sort of the result.

Each plan is the database's own (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL)
for the statement a page ran, with its parameters. SQLite is checked in a fresh shop (no
statistics: the planner goes by the schema) and after ``ANALYZE``, as a bulk load leaves it;
PostgreSQL after ``ANALYZE``, with enough rows that walking an index beats sorting a scope (with
a few hundred rows a sort is cheaper, and PostgreSQL rightly sorts).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from shop.application import Shop
from shop.data.repositories.listing_queries import SORTS, ListingFilter
from shop.data.repositories.listings import ListingRepository
from tests import factories

#: Demo products: the largest category then holds some 1,200 products, the largest brand 150.
PRODUCTS = 3000
#: Page 3 of 48: the skipped entries must be index steps, not rows sorted.
DEEP = 96


@dataclass
class Catalog:
    connection: Connection
    shop: Shop
    #: name → (scope kind, scope id, offset of the page checked)
    scopes: dict[str, tuple[str, int, int]]
    #: A filtered category page's query string.
    filtered: tuple[str, dict[str, list[str]]]
    statements: list[tuple[str, Any]]


@pytest.fixture(scope="module", params=["fresh", "analyzed"])
def catalog(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Catalog]:
    with engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if request.param == "fresh" and postgresql:
            pytest.skip("with six products PostgreSQL rightly scans and sorts; its plans are "
                        "checked on the analyzed demo catalog")
        outer = connection.begin()
        shop = Shop(connection, {})
        with shop.transaction(actor=shop.system_actor("tests")) as tx:
            if request.param == "fresh":
                factories.small_catalog(tx, products=6)
                brand, category, filtered = "acme", "clothes", (
                    "clothes", {"brand": ["acme"], "color": ["red"]})
            else:
                tx.demo.load(PRODUCTS)  # ends with ANALYZE
                brand, category, filtered = "qingmu", "clothing", (
                    "clothing", {"brand": ["qingmu"], "color": ["red", "blue"],
                                 "fit": ["slim"]})
            reference = tx.catalog.reference()
            scopes = {
                "category": ("c", reference.published_by_slug[category].id, DEEP),
                "everywhere": ("a", 0, DEEP),
                # A brand is a smaller scope: at 3,000 products PostgreSQL sorts its deep pages
                # (a few hundred rows) rather than walk an index, and it is right to.
                "brand": ("b", reference.brands_by_slug[brand].id, 0 if postgresql else DEEP),
            }
        statements: list[tuple[str, Any]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", capture)
        yield Catalog(connection, shop, scopes, filtered, statements)
        event.remove(connection, "before_cursor_execute", capture)
        outer.rollback()


def plan(connection: Connection, statement: str, parameters: Any) -> Any:
    """SQLite's plan as its lines of text; PostgreSQL's as its JSON tree."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        return "\n".join(row[-1] for row in rows)
    found = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    return (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from nodes(child)


def scans(node: dict[str, Any], relation: str) -> list[dict[str, Any]]:
    return [n for n in nodes(node) if n.get("Relation Name") == relation]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("scope", ["category", "brand", "everywhere"])
def test_each_sort_reads_its_index(catalog: Catalog, sort: str, scope: str) -> None:
    kind, scope_id, offset = catalog.scopes[scope]
    with catalog.shop.transaction(writes=False) as tx:
        catalog.statements.clear()
        ListingRepository(tx._session).listing_page(ListingFilter(kind, scope_id), sort, 48, offset)
        statement, parameters = catalog.statements[-1]
        found = plan(catalog.connection, statement, parameters)
    if isinstance(found, str):
        assert "INDEX ix_listing_" in found, found
        assert "SCAN listing" not in found, found
        # A deferred join: the page's ids are picked by an index walk, in index order, with no
        # sort; only the page's own rows (at most ``limit``) may be sorted again after the join.
        picking, _, joined = found.partition("SCAN page")
        assert joined, found
        assert "TEMP B-TREE" not in picking, found
        assert "TEMP B-TREE" not in joined.replace("USE TEMP B-TREE FOR ORDER BY", "", 1), found
        return
    # The page's ids: a Limit over an ordered index scan of listing, with no Sort under it.
    (picking,) = [n for n in nodes(found) if n["Node Type"] == "Limit"]
    walked = scans(picking, "listing")
    assert [n["Node Type"] for n in walked] in (["Index Only Scan"], ["Index Scan"]), found
    assert walked[0]["Index Name"].startswith("ix_listing_"), found
    assert not [n for n in nodes(picking) if n["Node Type"] in ("Sort", "Incremental Sort")], found


def test_a_filtered_page_uses_indexes_throughout(catalog: Catalog) -> None:
    """Every statement of a filtered page: its ready counts, live counts and products."""
    slug, params = catalog.filtered
    with catalog.shop.transaction(writes=False) as tx:
        tx.catalog.reference()
        catalog.statements.clear()
        page = tx.catalog.category_page(slug, params)
        ran = list(catalog.statements)
        plans = [plan(catalog.connection, statement, parameters) for statement, parameters in ran]
    assert page.products
    assert len(plans) == 3, ran  # ready counts, live counts, the page
    for found in plans:
        if isinstance(found, str):
            assert "SCAN listing" not in found, found
            assert "SCAN product_attribute_value" not in found, found
        else:
            for relation in ("listing", "product_attribute_value"):
                assert not [n for n in scans(found, relation) if n["Node Type"] == "Seq Scan"], (
                    relation, found)
