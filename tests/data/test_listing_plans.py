"""Listing queries read an index in the order they show: no table scan, no sort of the result."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from shop.data.repositories.attributes import AttributeRepository
from shop.data.repositories.brands import BrandRepository
from shop.data.repositories.categories import CategoryRepository
from shop.data.repositories.listing_queries import SORTS, ListingFilter
from shop.data.repositories.listings import ListingRepository
from tests import factories


@pytest.fixture
def listing_sql(connection, system):
    if connection.dialect.name != "sqlite":
        pytest.skip("query plans are checked on SQLite, whose planner is deterministic")
    factories.small_catalog(system, products=6)
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    yield captured
    event.remove(connection, "before_cursor_execute", capture)


def plan(connection, statement, parameters) -> str:
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return "\n".join(row[-1] for row in rows)


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("scope", [("c", "clothes"), ("b", "acme")])
def test_each_sort_reads_its_index(connection, system, listing_sql, sort, scope):
    repo = ListingRepository(system.session)
    kind, slug = scope
    scopes = CategoryRepository(system.session) if kind == "c" else BrandRepository(
        system.session)
    scope_id = scopes.by_slug(slug).id
    listing_sql.clear()
    repo.listing_page(ListingFilter(kind, scope_id), sort, 48, 96)
    statement, parameters = listing_sql[-1]
    text = plan(connection, statement, parameters)
    assert "USING INDEX ix_listing_" in text or "USING COVERING INDEX ix_listing_" in text, text
    assert "SCAN listing" not in text, text
    # A deferred join: the page's ids are picked by an index walk, in index order, with no
    # sort; only the page's own rows (at most ``limit``) may be sorted again after the join.
    picking, _, joined = text.partition("SCAN page")
    assert joined, text
    assert "TEMP B-TREE" not in picking, text
    assert "TEMP B-TREE" not in joined.replace("USE TEMP B-TREE FOR ORDER BY", "", 1), text


def test_filtered_listing_uses_indexes(connection, system, listing_sql):
    repo = ListingRepository(system.session)
    category = CategoryRepository(system.session).by_slug("clothes")
    values = AttributeRepository(system.session).value_ids_by_codes([("color", "red")])
    listing_sql.clear()
    repo.listing_page(ListingFilter("c", category.id, (1,), {1: tuple(values.values())}),
                      "sales", 48, 0)
    statement, parameters = listing_sql[-1]
    text = plan(connection, statement, parameters)
    assert "SCAN listing" not in text and "SCAN product_attribute_value" not in text, text
