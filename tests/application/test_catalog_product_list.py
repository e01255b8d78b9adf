"""The back office's product list as a library sees it: filters (a category with those under
it, brand, state, price, the search), keyset pages without gaps or repeats among equal sort
keys, hostile filters refused at their field, the export read a batch at a time, and bulk
actions whose preview is exactly what applying writes, all or nothing, audited, permitted to
catalog writers only."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from shop.application import Forbidden, Invalid, NotFound
from shop.application.catalog import products as product_admin
from shop.application.catalog.product_list import PRICE_PERCENT, new_price
from shop.data.models import AuditEntry, Product, Sku
from shop.data.repositories.product_admin import ProductAdminRepository
from tests import factories
from tests import staff_factories as sf


@pytest.fixture
def catalog(system):
    return factories.small_catalog(system, products=12)


def _slugs(page) -> list[str]:
    return [row.slug for row in page.rows]


def _prices(system) -> dict[str, Decimal]:
    return dict(system._session.execute(select(Sku.code, Sku.price)).all())


def _audits(system, action: str | None = None) -> int:
    statement = select(func.count()).select_from(AuditEntry)
    if action:
        statement = statement.where(AuditEntry.action == action)
    return system._session.scalar(statement)


def _all_pages(system, params, monkeypatch, size=5) -> list[int]:
    monkeypatch.setattr(product_admin, "PAGE_SIZE", size)
    seen, after = [], None
    for _ in range(100):
        page = system.products.products({**params, **({"after": after} if after else {})})
        seen += [row.id for row in page.rows]
        after = page.next_after
        if after is None:
            return seen
    raise AssertionError("never ended")


def test_filters(system, catalog):
    products = system.products
    assert products.products().matched == 12
    assert products.products({"category": "clothes"}).matched == 12  # with the leaves below
    shirts = products.products({"category": "shirts"})
    assert shirts.matched == 6 and {r.category for r in shirts.rows} == {"Category shirts"}
    assert products.products({"brand": "acme"}).matched == 6
    cheap = products.products({"min_price": "60", "max_price": "80.00"})
    assert sorted(r.price for r in cheap.rows) == [60, 70, 80]
    first, second = catalog["products"][:2]
    products.unpublish(first.id)
    system.products.update(second.id, {**products.product(second.id).form_values(UTC),
                                       "is_published": False,
                                       "publish_at": "2030-01-01T12:00:00"})
    assert _slugs(products.products({"state": "hidden"})) == [first.slug]
    assert _slugs(products.products({"state": "scheduled"})) == [second.slug]
    assert products.products({"state": "published"}).matched == 10


def test_search_by_name_slug_code_and_barcode(system, catalog):
    made = catalog["products"]
    system.catalog.create_product({
        "slug": "linen-shirt", "name_zh": "亚麻衬衫", "name_en": "Linen Shirt_50%",
        "category": "shirts", "is_published": True,
        "skus": [{"code": "LIN-1", "price": "10.00", "barcode": "6901234567892"}]})
    search = system.products.products
    assert _slugs(search({"q": "亚麻"})) == ["linen-shirt"]
    assert _slugs(search({"q": "linen shirt"})) == ["linen-shirt"]  # any case
    assert _slugs(search({"q": "_50%"})) == ["linen-shirt"]  # wildcards are literal
    assert search({"q": "%"}).matched == 1
    assert _slugs(search({"q": "linen-"})) == ["linen-shirt"]
    assert _slugs(search({"q": "lin-1"})) == ["linen-shirt"]  # a code's start, any case
    assert _slugs(search({"q": "6901234567892"})) == ["linen-shirt"]
    assert search({"q": "690123456789"}).matched == 0  # a barcode matches whole
    code = system.products.product(made[3].id).skus[0].code
    assert _slugs(search({"q": code})) == [made[3].slug]
    assert search({"q": "no such thing"}).matched == 0
    for edge in ("\U0010ffff", "a\ud7ff", "\uffff"):  # no next character, or a surrogate
        assert search({"q": edge}).matched == 0


@pytest.mark.parametrize("sort", ["newest", "name", "price_asc", "price_desc"])
def test_keyset_pages_have_no_gaps_or_repeats_among_equal_keys(system, catalog, sort,
                                                               monkeypatch):
    factories.category(system, "hats")
    for _ in range(7):  # equal names and equal prices: only the id tells them apart
        factories.product(system, "hats", name_zh="同名帽子", price="100.00")
    expected = _all_pages(system, {"sort": sort}, monkeypatch, size=100)
    assert len(expected) == 19
    for size in (1, 3, 5):
        pages = _all_pages(system, {"sort": sort}, monkeypatch, size=size)
        assert pages == expected
    hats = _all_pages(system, {"sort": sort, "category": "hats"}, monkeypatch, size=2)
    assert len(hats) == len(set(hats)) == 7
    monkeypatch.setattr(product_admin, "PAGE_SIZE", 100)
    rows = {r.id: r for r in system.products.products({"sort": sort}).rows}
    if sort == "price_asc":
        assert [rows[k].price for k in expected] == sorted(rows[k].price for k in expected)


def test_the_count_is_bounded(system, catalog, monkeypatch):
    monkeypatch.setattr(product_admin, "COUNT_CAP", 5)
    page = system.products.products()
    assert (page.matched, page.more, len(page.rows)) == (5, True, 12)
    page = system.products.products({"brand": "zenith", "max_price": "100"})
    assert (page.matched, page.more) == (3, False)


@pytest.mark.parametrize(("params", "fields"), [
    ({"state": "lost", "min_price": "abc"}, {"state", "min_price"}),
    ({"min_price": "-1"}, {"min_price"}),
    ({"min_price": "10", "max_price": "5"}, {"max_price"}),
    ({"category": "nope"}, {"category"}),
    ({"category": "<script>"}, {"category"}),
    ({"brand": "nope"}, {"brand"}),
    ({"sort": "id; DROP TABLE product"}, {"sort"}),
    ({"q": "x" * 81}, {"q"}),
    ({"q": "a\x00b"}, {"q"}),
    ({"after": "abc"}, {"after"}),
    ({"min_price": "1e9"}, {"min_price"}),
    ({"max_price": "99999999999999999"}, {"max_price"}),
])
def test_hostile_filters_are_refused_at_their_field(system, catalog, params, fields):
    with pytest.raises(Invalid) as refused:
        system.products.products(params)
    assert set(refused.value.errors) == fields
    with pytest.raises(Invalid):
        list(system.products.export_rows(params if "after" not in params else {"q": "x" * 81}))


def test_an_unknown_anchor_is_not_found(system, catalog):
    with pytest.raises(NotFound):
        system.products.products({"after": "999999"})


def test_export_reads_a_batch_at_a_time_with_the_filters(system, catalog, monkeypatch, queries):
    monkeypatch.setattr(product_admin, "EXPORT_BATCH", 2)
    every = list(system.products.export_rows())
    assert len(every) == 24  # twelve products, two SKUs each
    assert len({(r.product_id, r.sku_code) for r in every}) == 24
    newest_first = [r.product_id for r in every[::2]]
    assert newest_first == sorted(newest_first, reverse=True)
    queries.reset()
    acme = list(system.products.export_rows({"brand": "acme", "sort": "price_desc",
                                             "after": "1"}))
    # Three full batches of two products and an empty one: two statements a batch at most.
    assert queries.count <= 2 * 4 + 1, queries.statements
    assert len(acme) == 12 and {r.brand for r in acme} == {"acme"}
    prices = [r.price for r in acme[::2]]
    assert prices == sorted(prices, reverse=True)
    assert acme[0].state == "published" and acme[0].sku_code.startswith("T")
    assert list(system.products.export_rows({"q": "nothing like it"})) == []


# -- bulk actions -------------------------------------------------------------------------


def _ids(catalog, *places: int) -> list[str]:
    return [str(catalog["products"][n].id) for n in places]


def test_preview_is_what_apply_writes(system, catalog):
    data = {"action": "price_percent", "change": "-10", "products": _ids(catalog, 0, 1, 2)}
    before = _prices(system)
    plan = system.products.bulk_preview(data)
    assert _prices(system) == before  # a preview writes nothing
    assert len(plan.changes) == 3 and plan.unchanged == 0
    outcome = system.products.bulk_apply({**data, "fingerprint": plan.fingerprint})
    assert outcome.applied and outcome.plan == plan
    after = _prices(system)
    for change in plan.changes:
        for sku in change.skus:
            assert before[sku.code] == sku.old_price
            assert after[sku.code] == sku.new_price == new_price(PRICE_PERCENT, sku.old_price,
                                                                 Decimal("-10"))
    assert _audits(system, "catalog.product.bulk") == 3
    # The listing's price summary follows (the cheapest SKU): 50.00 → 45.00.
    row = next(r for r in system.products.products().rows if r.id == catalog["products"][0].id)
    assert row.price == Decimal("45.00")


def test_prices_round_half_up_and_are_never_clamped():
    assert new_price("price_percent", Decimal("50.00"), Decimal("-33.33")) == Decimal("33.34")
    assert new_price("price_percent", Decimal("0.05"), Decimal("-10")) == Decimal("0.05")
    assert new_price("price_percent", Decimal("0.15"), Decimal("-10")) == Decimal("0.14")
    # Below zero stays below zero, so the plan can refuse it (never a silent ¥0).
    assert new_price("price_amount", Decimal("50.00"), Decimal("-80")) == Decimal("-30.00")
    assert new_price("price_percent", Decimal("50.00"), Decimal("-100")) == Decimal("0.00")


@pytest.mark.parametrize(("action", "change", "free"), [
    # A typo of -50 yuan: product 0's first SKU (¥50.00) would be free, its second ¥1.00.
    ("price_amount", "-50", [(0, 0)]),
    ("price_amount", "-55.00", [(0, 0), (0, 1)]),
    ("price_amount", "-69.99", [(0, 0), (0, 1), (1, 0), (1, 1)]),
    ("price_percent", "-100", [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]),
])
def test_a_change_that_would_make_skus_free_is_refused_naming_them(system, catalog, action,
                                                                   change, free):
    codes = {(n, i): system.products.product(catalog["products"][n].id).skus[i].code
             for n in range(3) for i in range(2)}
    before, audits = _prices(system), _audits(system)
    data = {"action": action, "change": change, "products": _ids(catalog, 0, 1, 2)}
    for call in (system.products.bulk_preview,
                 lambda d: system.products.bulk_apply({**d, "fingerprint": "x"})):
        with pytest.raises(Invalid) as refused:
            call(data)
        message = refused.value.errors["change"]
        assert set(refused.value.errors) == {"change"}
        assert "nothing or less" in str(message)
        assert message.mapping["count"] == len(free)
        assert message.mapping["codes"].split(", ") == [codes[key] for key in free]
    assert (_prices(system), _audits(system)) == (before, audits)


def test_a_refusal_names_ten_skus_at_most(system, catalog):
    data = {"action": "price_amount", "change": "-500",
            "products": _ids(catalog, *range(12))}
    with pytest.raises(Invalid) as refused:
        system.products.bulk_preview(data)
    message = refused.value.errors["change"]
    assert message.mapping["count"] == 24
    assert message.mapping["codes"].endswith(" …")
    assert len(message.mapping["codes"].removesuffix(" …").split(", ")) == 10


def test_a_sku_the_change_leaves_at_zero_is_not_refused(system, catalog):
    target = catalog["products"][0]
    values = system.products.product(target.id).form_values(UTC)
    values["skus"][0]["price"] = Decimal("0.00")  # a free gift
    system.products.update(target.id, values)
    data = {"action": "price_percent", "change": "-10", "products": _ids(catalog, 0)}
    plan = system.products.bulk_preview(data)
    assert [s.new_price for c in plan.changes for s in c.skus] == [Decimal("45.90")]
    assert system.products.bulk_apply({**data, "fingerprint": plan.fingerprint}).applied
    # One fen is still a price: ¥0.02 less 50% is ¥0.01.
    values["skus"][0]["price"] = Decimal("0.02")
    system.products.update(target.id, values)
    half = {"action": "price_percent", "change": "-50", "products": _ids(catalog, 0)}
    assert system.products.bulk_preview(half).changes[0].skus[0].new_price == Decimal("0.01")


def test_a_change_above_a_list_price_is_refused_and_nothing_is_written(system, catalog):
    target = catalog["products"][2]
    editor = system.products.product(target.id)
    values = editor.form_values(UTC)
    values["skus"][1]["list_price"] = values["skus"][1]["price"] + Decimal("5")
    system.products.update(target.id, values)
    before, audits = _prices(system), _audits(system)
    data = {"action": "price_amount", "change": "10.00", "products": _ids(catalog, 0, 1, 2)}
    for call in (system.products.bulk_preview,
                 lambda d: system.products.bulk_apply({**d, "fingerprint": "x"})):
        with pytest.raises(Invalid) as refused:
            call(data)
        assert editor.skus[1].code in str(refused.value.errors["change"].mapping["codes"])
    assert (_prices(system), _audits(system)) == (before, audits)


def test_a_catalog_changed_since_the_preview_shows_the_new_preview(system, catalog):
    data = {"action": "price_amount", "change": "1.00", "products": _ids(catalog, 0, 1)}
    plan = system.products.bulk_preview(data)
    first = catalog["products"][0]
    values = system.products.product(first.id).form_values(UTC)
    values["skus"][0]["price"] = Decimal("55.00")
    system.products.update(first.id, values)
    before, audits = _prices(system), _audits(system)
    outcome = system.products.bulk_apply({**data, "fingerprint": plan.fingerprint})
    assert not outcome.applied and outcome.plan.fingerprint != plan.fingerprint
    assert outcome.plan.changes[0].skus[0].old_price == Decimal("55.00")
    assert (_prices(system), _audits(system)) == (before, audits)
    assert system.products.bulk_apply({**data, "fingerprint": outcome.plan.fingerprint}).applied


def _moved_meanwhile(monkeypatch, change) -> None:
    """Run ``change()`` (another editor's write, committed) just before the bulk action writes
    its prices: after its plan was computed and its fingerprint checked."""
    original = ProductAdminRepository.set_sku_prices

    def meanwhile(self, *args, **kwargs):
        change()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ProductAdminRepository, "set_sku_prices", meanwhile)


@pytest.mark.parametrize("column", ["price", "list_price"])
def test_a_price_changed_between_the_plan_and_the_write_is_not_overwritten(
        system, catalog, monkeypatch, column):
    data = {"action": "price_amount", "change": "-1.00", "products": _ids(catalog, 0, 1)}
    plan = system.products.bulk_preview(data)
    target = plan.changes[1].skus[0]
    moved = Decimal("66.00") if column == "price" else Decimal("999.00")
    _moved_meanwhile(monkeypatch, lambda: system._session.execute(
        update(Sku).where(Sku.id == target.id).values({column: moved})
        .execution_options(synchronize_session=False)))
    before, audits = _prices(system), _audits(system)
    outcome = system.products.bulk_apply({**data, "fingerprint": plan.fingerprint})
    monkeypatch.undo()
    assert not outcome.applied and outcome.plan.fingerprint != plan.fingerprint
    now = _prices(system)
    # Nothing written: not the other SKUs (rolled back with the savepoint), not this one.
    assert now == {**before, target.code: moved if column == "price" else target.old_price}
    assert _audits(system) == audits
    shown = next(s for c in outcome.plan.changes for s in c.skus if s.id == target.id)
    if column == "price":
        assert (shown.old_price, shown.new_price) == (moved, moved - 1)
    else:
        assert shown.list_price == moved
    # The new preview applies.
    assert system.products.bulk_apply({**data, "fingerprint": outcome.plan.fingerprint}).applied


def test_publish_unpublish_and_move(system, catalog):
    ids = _ids(catalog, 0, 1, 2)
    hide = system.products.bulk_preview({"action": "unpublish", "products": ids})
    system.products.bulk_apply({"action": "unpublish", "products": ids,
                                "fingerprint": hide.fingerprint})
    assert system.products.products({"state": "hidden"}).matched == 3
    assert _audits(system, "catalog.product.unpublish") == 3
    # Publishing the three and one already shown: that one stays as it is.
    more = [*ids, *_ids(catalog, 3)]
    show = system.products.bulk_preview({"action": "publish", "products": more})
    assert (len(show.changes), show.unchanged) == (3, 1)
    system.products.bulk_apply({"action": "publish", "products": more,
                                "fingerprint": show.fingerprint})
    assert system.products.products({"state": "hidden"}).matched == 0
    move = {"action": "move", "category": "jeans", "products": ids}
    plan = system.products.bulk_preview(move)
    # Products 0 and 2 are shirts, 1 is in jeans already.
    assert [(c.old_category, c.new_category) for c in plan.changes] == [
        ("Category shirts", "Category jeans")] * 2 and plan.unchanged == 1
    system.products.bulk_apply({**move, "fingerprint": plan.fingerprint})
    assert system.products.products({"category": "jeans"}).matched == 8
    entry = system._session.execute(
        select(AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.action == "catalog.product.bulk")).first()
    assert entry.before == {"category": "Category shirts"}
    assert entry.after["category"] == "Category jeans"
    # The storefront's listing rows follow.
    assert system._session.scalar(select(Product.category_id).where(
        Product.id == catalog["products"][0].id)) == catalog["leaves"][1].id


def test_all_matching_the_filter_bounded(system, catalog, monkeypatch):
    data = {"action": "unpublish", "scope": "matching", "filters": {"brand": "acme"}}
    plan = system.products.bulk_preview(data)
    assert len(plan.changes) == 6 and len(plan.echo["products"]) == 6
    monkeypatch.setattr(product_admin, "BULK_LIMIT", 5)
    with pytest.raises(Invalid) as refused:
        system.products.bulk_preview(data)
    assert set(refused.value.errors) == {"products"}
    with pytest.raises(Invalid) as refused:
        system.products.bulk_preview({**data, "filters": {"state": "lost"}})
    assert set(refused.value.errors) == {"state"}


@pytest.mark.parametrize(("data", "field"), [
    ({"action": "explode", "products": ["1"]}, "action"),
    ({"action": "publish"}, "products"),
    ({"action": "publish", "products": ["abc"]}, "products"),
    ({"action": "publish", "products": ["999999"]}, "products"),
    ({"action": "publish", "products": {"a": 1}}, "products"),
    ({"action": "publish", "products": [str(n) for n in range(1, 1003)]}, "products"),
    ({"action": "move", "products": ["1"], "category": "nope"}, "category"),
    ({"action": "price_percent", "products": ["1"]}, "change"),
    ({"action": "price_percent", "products": ["1"], "change": "-101"}, "change"),
    ({"action": "price_amount", "products": ["1"], "change": "lots"}, "change"),
])
def test_bad_bulk_input_is_refused_at_its_field(system, catalog, data, field):
    with pytest.raises(Invalid) as refused:
        system.products.bulk_preview(data)
    assert field in refused.value.errors


def test_only_catalog_writers_may_change_in_bulk(system, catalog):
    ids = _ids(catalog, 0)
    plan = system.products.bulk_preview({"action": "unpublish", "products": ids})
    before, audits = _prices(system), _audits(system)
    for roles in (["marketing"], ["finance"], ["customer_service"]):
        other = sf.acting(system, sf.staff(system, roles))
        with pytest.raises(Forbidden):
            other.products.bulk_preview({"action": "unpublish", "products": ids})
        with pytest.raises(Forbidden):
            other.products.bulk_apply({"action": "unpublish", "products": ids,
                                       "fingerprint": plan.fingerprint})
    audits_now = _audits(system)
    assert system.products.products({"state": "hidden"}).matched == 0
    assert _prices(system) == before and audits_now - audits == 3  # the staff created
    merchandiser = sf.acting(system, sf.staff(system, ["merchandiser"]))
    assert merchandiser.products.bulk_apply({"action": "unpublish", "products": ids,
                                             "fingerprint": plan.fingerprint}).applied
