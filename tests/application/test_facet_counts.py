"""Every facet count is what choosing that option would show, whatever filters are set.

The live counts take shortcuts (the rows passing every filter are read once, a sole filter's
facet comes from the ready counts, counting and paging probe values differently); this checks
each count against the total of the page that option leads to.
"""

from __future__ import annotations

import pytest

from tests import factories

COMBINATIONS = [
    {"color": ["red"]},
    {"brand": ["acme"]},
    {"price": ["0-150"]},
    {"brand": ["acme"], "color": ["red"]},
    {"color": ["red", "blue"], "fit": ["slim"]},
    {"size": ["s"], "price": ["60-200"]},
    {"brand": ["acme", "zenith"], "color": ["blue"], "fit": ["loose"], "price": ["50-300"]},
]


@pytest.fixture
def varied(system):
    """Brand, sub-category, colour, sizes, fit and price vary independently."""
    factories.attributes(system)
    factories.category(system, "clothes")
    for leaf in ("shirts", "jeans"):
        factories.category(system, leaf, parent="clothes")
    for slug in ("acme", "zenith"):
        factories.brand(system, slug)
    for i in range(30):
        factories.product(
            system, ("shirts", "jeans")[(i // 2) % 2], ("acme", "zenith")[i % 2],
            price=f"{40 + i * 9}.00", colors=(factories.COLORS[i % 3][0],),
            sizes=(("s",), ("m", "l"), ("s", "l"))[(i // 3) % 3],
            fit=factories.FITS[(i // 5) % 2][0])


def _choosing(filters: dict[str, list[str]], facet: str, params: tuple) -> dict:
    """The filters with ``facet`` set to just the option that ``params`` (its toggle) names."""
    chosen = dict(filters)
    if facet == "price":
        chosen["price"] = [v for k, v in params if k == "price"]
        return chosen
    toggled = {v for k, v in params if k == facet} ^ set(filters.get(facet, ()))
    chosen[facet] = sorted(toggled)
    assert len(toggled) == 1, (facet, params)
    return chosen


@pytest.mark.parametrize("filters", COMBINATIONS, ids=lambda f: "&".join(
    f"{k}={','.join(v)}" for k, v in f.items()))
def test_each_count_is_the_total_of_the_page_it_leads_to(system, varied, filters):
    page = system.catalog.category_page("clothes", filters)
    # Every facet keeps its options under its own filter (disjunctive), so all are shown.
    assert {f.name for f in page.facets} == {"brand", "color", "size", "fit", "price"}
    checked = 0
    for facet in page.facets:
        for option in facet.options:
            target = system.catalog.category_page("clothes", _choosing(filters, facet.name,
                                                                       option.params))
            assert option.count == target.pagination.total, (facet.name, option.label)
            checked += 1
    for link in page.subcategories:
        target = system.catalog.category_page(link.category.slug, filters)
        assert link.count == target.pagination.total, link.category.slug
    assert checked >= 6
