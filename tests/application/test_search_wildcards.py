"""Search takes what the shopper typed literally: "%" and "_" are characters, not wildcards."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def names(system):
    factories.small_catalog(system, products=0)
    for name in ("100% cotton tee", "snake_case mug", "plain mug", "back\\slash cup",
                 "slash/cup"):
        factories.product(system, "shirts", name_en=name)


def found(system, query):
    page = system.catalog.search_page({"q": [query]})
    return sorted(card.name for card in page.products)


@pytest.mark.parametrize("query, expected", [
    ("%", ["100% cotton tee"]),
    ("_", ["snake_case mug"]),
    ("0%", ["100% cotton tee"]),
    ("e_c", ["snake_case mug"]),
    ("p%n", []),        # would match "plain" as a pattern
    ("pl_in", []),
    ("\\", ["back\\slash cup"]),
    ("/", ["slash/cup"]),
    ("mug", ["plain mug", "snake_case mug"]),
])
def test_wildcards_are_taken_literally(system, names, query, expected):
    assert found(system, query) == expected
