"""The category tree as staff shape it (``uow.categories``): what each write refuses (naming
the field, writing nothing), who may write, the audit trail, and what shoppers see after a
move or a hide (navigation, listings, product pages, the ready counts)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.application import Actor, Forbidden, Invalid, NotFound, Permission, Shop, UnitOfWork
from shop.application.catalog.schemas import PRICE_BANDS
from shop.data.models import AuditEntry, Category, ListingFacetCount
from shop.data.repositories.listing_index import ListingIndexRepository
from tests import factories
from tests import staff_factories as sf

VIEWER = Actor(kind="staff", name="staff:viewer", id=1,
               permissions=frozenset({Permission.ADMIN_ACCESS, Permission.CATALOG_VIEW}))


def _as(system: UnitOfWork, actor: Actor) -> UnitOfWork:
    return UnitOfWork(system.shop, system._session, actor, "en")


def _audit(system: UnitOfWork, prefix: str = "catalog.category") -> list[tuple]:
    rows = system._session.execute(
        select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after,
               AuditEntry.actor_name)
        .where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)).all()
    return [tuple(row) for row in rows]


def _tree(system: UnitOfWork) -> list[tuple[str, int, int]]:
    return [(row.slug, row.depth, row.place) for row in system.categories.tree()]


def _snapshot(system: UnitOfWork) -> list[tuple]:
    return [tuple(row) for row in system._session.execute(
        select(Category.id, Category.slug, Category.name_zh, Category.name_en,
               Category.parent_id, Category.path, Category.depth, Category.position,
               Category.is_published).order_by(Category.id)).all()]


def _navigation(shop: Shop) -> list[str]:
    """The header's categories in a unit of work of its own, as another request sees them."""
    with shop.transaction(writes=False) as reader:
        return [c.slug for c in reader.catalog.navigation()]


def _ready_counts(session) -> set[tuple]:
    return set(session.execute(select(
        ListingFacetCount.scope_kind, ListingFacetCount.scope_id, ListingFacetCount.facet,
        ListingFacetCount.key, ListingFacetCount.count)).all())


def _assert_counts_match_a_recount(system: UnitOfWork) -> None:
    adjusted = _ready_counts(system._session)
    ListingIndexRepository(system._session).refresh_facet_counts(PRICE_BANDS)
    assert adjusted == _ready_counts(system._session)


def _slugs(page) -> set[str]:
    return {card.slug for card in page.products}


def test_the_tree_lists_each_category_under_its_parent_with_product_counts(system):
    catalog = factories.small_catalog(system, products=5)  # 3 shirts, 2 jeans
    factories.category(system, "oxford", parent="shirts")
    factories.product(system, "oxford")
    factories.category(system, "garden")
    rows = system.categories.tree()
    assert [(r.slug, r.depth, r.place, r.siblings) for r in rows] == [
        ("clothes", 0, 1, 2), ("shirts", 1, 1, 2), ("oxford", 2, 1, 1), ("jeans", 1, 2, 2),
        ("garden", 0, 2, 2)]
    counts = {r.slug: (r.products, r.products_in_subtree) for r in rows}
    assert counts == {"clothes": (0, 6), "shirts": (3, 4), "oxford": (1, 1), "jeans": (2, 2),
                      "garden": (0, 0)}
    shirts = system.categories.category(catalog["leaves"][0].id)
    assert (shirts.parent_slug, shirts.name, shirts.shown) == ("clothes", "Category shirts",
                                                                True)


def test_create_puts_a_category_last_under_its_parent_and_audits_it(system, shop):
    factories.small_catalog(system, products=0)
    assert _navigation(shop) == ["clothes"]
    row = system.categories.create({"slug": "coats", "name_zh": "外套", "name_en": "Coats",
                                    "parent": "clothes"})
    assert (row.parent_slug, row.place, row.siblings, row.name) == ("clothes", 3, 3, "Coats")
    system.categories.create({"slug": "home", "name_zh": "家居"})
    assert _navigation(shop) == ["clothes", "home"]  # the revision moved on
    ((action, entity, before, after, actor),) = _audit(system, "catalog.category.create")[-2:-1]
    assert (action, entity, before) == ("catalog.category.create", str(row.id), None)
    assert after["slug"] == "coats" and after["parent"] == "clothes" and actor == "system:tests"


@pytest.mark.parametrize(("data", "field"), [
    ({"slug": "shirts"}, "slug"),  # taken
    ({"slug": "Not A Slug"}, "slug"),
    ({"slug": "a--b"}, "slug"),
    ({"slug": "x" * 81}, "slug"),
    ({"name_zh": ""}, "name_zh"),
    ({"parent": "nowhere"}, "parent"),
    ({"position": "-1"}, "position"),
])
def test_create_refuses_bad_input_at_its_field_and_writes_nothing(system, data, field):
    factories.small_catalog(system, products=0)
    before, audited = _snapshot(system), _audit(system)
    with pytest.raises(Invalid) as raised:
        system.categories.create({"slug": "coats", "name_zh": "外套", "name_en": "Coats",
                                  **data})
    assert field in raised.value.errors
    assert _snapshot(system) == before and _audit(system) == audited


def test_rename_changes_the_slug_and_names_and_the_storefront_follows(system, shop):
    catalog = factories.small_catalog(system, products=2)
    _navigation(shop)
    row = system.categories.rename(catalog["top"].id, {
        "slug": "apparel", "name_zh": "服装", "name_en": "Apparel"})
    assert (row.slug, row.name) == ("apparel", "Apparel")
    assert _navigation(shop) == ["apparel"]
    with pytest.raises(NotFound):
        system.catalog.category_page("clothes", {})
    assert len(system.catalog.category_page("apparel", {}).products) == 2
    (entry,) = _audit(system, "catalog.category.update")
    assert entry[2] == {"slug": "clothes", "name_zh": "分类clothes", "name_en": "Category clothes"}
    assert entry[3] == {"slug": "apparel", "name_zh": "服装", "name_en": "Apparel"}


def test_rename_refuses_a_slug_another_category_has(system):
    catalog = factories.small_catalog(system, products=0)
    before = _snapshot(system)
    with pytest.raises(Invalid) as raised:
        system.categories.rename(catalog["top"].id, {"slug": "jeans", "name_zh": "服装"})
    assert list(raised.value.errors) == ["slug"]
    assert _snapshot(system) == before and _audit(system, "catalog.category.update") == []
    # Keeping its own slug is no clash.
    system.categories.rename(catalog["top"].id, {"slug": "clothes", "name_zh": "服装"})


def test_move_takes_the_subtree_and_its_products_along(system, shop):
    catalog = factories.small_catalog(system, products=4)
    factories.category(system, "oxford", parent="shirts")
    oxford_product = factories.product(system, "oxford")
    factories.category(system, "sale")
    shirts = catalog["leaves"][0]
    row = system.categories.move(shirts.id, {"parent": "sale"})
    assert (row.parent_slug, row.depth, row.place) == ("sale", 1, 1)
    assert _tree(system) == [("clothes", 0, 1), ("jeans", 1, 1), ("sale", 0, 2),
                             ("shirts", 1, 1), ("oxford", 2, 1)]
    oxford = next(r for r in system.categories.tree() if r.slug == "oxford")
    sale = next(r for r in system.categories.tree() if r.slug == "sale")
    (path,) = system._session.execute(select(Category.path).where(Category.id == oxford.id)
                                      ).one()
    assert path == f"/{sale.id}/{shirts.id}/{oxford.id}/"
    # Listings follow: the old parent lists only jeans, the new one the shirts and oxford.
    assert len(system.catalog.category_page("clothes", {}).products) == 2
    sale_page = system.catalog.category_page("sale", {})
    assert oxford_product.slug in _slugs(sale_page)
    assert [link.category.slug for link in sale_page.subcategories] == ["shirts"]
    assert system.catalog.product_page(oxford_product.slug).breadcrumbs[0].slug == "sale"
    _assert_counts_match_a_recount(system)
    (entry,) = _audit(system, "catalog.category.move")
    assert (entry[2], entry[3]) == ({"parent": "clothes"}, {"parent": "sale"})
    # And to the top.
    system.categories.move(shirts.id, {"parent": ""})
    assert "shirts" in _navigation(shop)
    _assert_counts_match_a_recount(system)


@pytest.mark.parametrize("target", ["clothes", "shirts", "oxford"])
def test_move_under_itself_or_below_itself_is_refused_at_parent(system, target):
    catalog = factories.small_catalog(system, products=2)
    factories.category(system, "oxford", parent="shirts")
    moving = catalog["top"] if target != "oxford" else catalog["leaves"][0]
    before, audited = _snapshot(system), _audit(system)
    with pytest.raises(Invalid) as raised:
        system.categories.move(moving.id, {"parent": target})
    assert raised.value.errors == {"parent": raised.value.errors["parent"]}
    assert "under itself" in raised.value.errors["parent"].interpolate()
    assert _snapshot(system) == before and _audit(system) == audited


def test_move_to_an_unknown_parent_or_an_unknown_category(system):
    catalog = factories.small_catalog(system, products=0)
    with pytest.raises(Invalid) as raised:
        system.categories.move(catalog["top"].id, {"parent": "nowhere"})
    assert list(raised.value.errors) == ["parent"]
    for key in (999_999, "x", -1):
        with pytest.raises(NotFound):
            system.categories.move(key, {"parent": ""})


def test_reorder_puts_a_category_at_a_place_among_its_siblings(system, shop):
    for slug in ("a", "b", "c", "d"):
        factories.category(system, slug)
    d = next(r for r in system.categories.tree() if r.slug == "d")
    assert system.categories.reorder(d.id, {"place": "2"}).place == 2
    assert _navigation(shop) == ["a", "d", "b", "c"]
    system.categories.reorder(d.id, {"place": 99})  # past the end: last
    assert _navigation(shop) == ["a", "b", "c", "d"]
    actions = _audit(system, "catalog.category.reorder")
    assert [(e[2], e[3]) for e in actions] == [({"place": 4}, {"place": 2}),
                                              ({"place": 2}, {"place": 4})]
    with pytest.raises(Invalid) as raised:
        system.categories.reorder(d.id, {"place": "0"})
    assert list(raised.value.errors) == ["place"]
    system.categories.reorder(d.id, {"place": 4})  # where it is: nothing to audit
    assert len(_audit(system, "catalog.category.reorder")) == 2


def test_hide_takes_the_subtree_off_the_storefront_and_show_brings_it_back(system, shop):
    catalog = factories.small_catalog(system, products=4)
    factories.category(system, "oxford", parent="shirts")
    oxford_product = factories.product(system, "oxford")
    shirt = next(p for p in catalog["products"] if p.category_id == catalog["leaves"][0].id)
    factories.category(system, "garden")
    assert _navigation(shop) == ["clothes", "garden"]  # a copy is cached
    shirts = catalog["leaves"][0]
    assert system.categories.hide(shirts.id).shown is False
    # Other units of work see it at once: the revision token moved on.
    assert _navigation(shop) == ["clothes", "garden"]
    for slug in ("shirts", "oxford"):  # the category and everything under it
        with pytest.raises(NotFound):
            system.catalog.category_page(slug, {})
    clothes = system.catalog.category_page("clothes", {})
    assert [link.category.slug for link in clothes.subcategories] == ["jeans"]
    assert _slugs(clothes).isdisjoint({shirt.slug, oxford_product.slug})
    everything = system.catalog.search_page({"q": ["Product"]})
    assert _slugs(everything).isdisjoint({shirt.slug, oxford_product.slug})
    assert shirt.slug not in {c.slug for c in system.catalog.home_page().new_arrivals}
    with pytest.raises(NotFound):
        system.catalog.product_page(oxford_product.slug)
    _assert_counts_match_a_recount(system)
    rows = {r.slug: r for r in system.categories.tree()}
    assert (rows["shirts"].is_published, rows["shirts"].shown) == (False, False)
    assert (rows["oxford"].is_published, rows["oxford"].shown) == (True, False)

    system.categories.hide(catalog["top"].id)
    assert _navigation(shop) == ["garden"]
    system.categories.show(catalog["top"].id)
    system.categories.show(shirts.id)
    assert _navigation(shop) == ["clothes", "garden"]
    assert oxford_product.slug in _slugs(system.catalog.category_page("oxford", {}))
    assert system.catalog.product_page(oxford_product.slug).name
    _assert_counts_match_a_recount(system)
    actions = [(e[0], e[3]) for e in _audit(system, "catalog.category.")
               if e[0] in ("catalog.category.hide", "catalog.category.show")]
    assert actions == [("catalog.category.hide", {"is_published": False}),
                       ("catalog.category.hide", {"is_published": False}),
                       ("catalog.category.show", {"is_published": True}),
                       ("catalog.category.show", {"is_published": True})]
    system.categories.show(shirts.id)  # already shown: nothing happens, nothing is audited
    assert len(_audit(system, "catalog.category.show")) == 2


def test_a_category_made_under_a_hidden_one_stays_hidden(system, shop):
    catalog = factories.small_catalog(system, products=0)
    system.categories.hide(catalog["top"].id)
    row = system.categories.create({"slug": "coats", "name_zh": "外套", "parent": "clothes"})
    assert (row.is_published, row.shown) == (True, False)
    with pytest.raises(NotFound):
        system.catalog.category_page("coats", {})


def test_staff_without_the_catalog_write_permission_change_nothing(system):
    catalog = factories.small_catalog(system, products=0)
    viewer = _as(system, VIEWER)
    assert [r.slug for r in viewer.categories.tree()][:1] == ["clothes"]
    before, audited = _snapshot(system), _audit(system)
    key = catalog["top"].id
    for write in (lambda: viewer.categories.create({"slug": "x", "name_zh": "x"}),
                  lambda: viewer.categories.rename(key, {"slug": "x", "name_zh": "x"}),
                  lambda: viewer.categories.move(key, {"parent": "jeans"}),
                  lambda: viewer.categories.reorder(key, {"place": 1}),
                  lambda: viewer.categories.hide(key),
                  lambda: viewer.catalog.create_category({"slug": "x", "name_zh": "x"})):
        with pytest.raises(Forbidden):
            write()
    assert _snapshot(system) == before and _audit(system) == audited


def test_roles_decide_who_reads_and_who_writes(system):
    factories.small_catalog(system, products=0)
    merchandiser = sf.acting(system, sf.staff(system, ["merchandiser"]))
    row = merchandiser.categories.create({"slug": "coats", "name_zh": "外套"})
    assert _audit(system, "catalog.category.create")[-1][4] == merchandiser.actor.name
    marketing = sf.acting(system, sf.staff(system, ["marketing"]))  # may look, not change
    assert len(marketing.categories.tree()) == 4
    with pytest.raises(Forbidden):
        marketing.categories.hide(row.id)
    finance = sf.acting(system, sf.staff(system, ["finance"]))
    with pytest.raises(Forbidden):
        finance.categories.tree()
    with pytest.raises(Forbidden):
        finance.categories.category(row.id)


def test_the_tree_costs_two_statements_whatever_its_size(system, queries):
    factories.small_catalog(system, products=2)
    system._session.flush()  # the factories' pending audit entries are not the tree's cost
    queries.reset()
    system.categories.tree()
    small = queries.count
    for i in range(20):
        factories.category(system, f"extra-{i}", parent="shirts" if i % 2 else None)
        factories.product(system, f"extra-{i}")
    system._session.flush()
    queries.reset()
    assert len(system.categories.tree()) == 23
    assert queries.count == small <= 2, queries.statements
    assert system._session.scalar(select(func.count()).select_from(Category)) == 23
