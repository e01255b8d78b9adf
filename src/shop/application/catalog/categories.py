"""The category tree as staff shape it: ``uow.categories``.

Staff create categories, rename them, move them (with everything under them) to another
parent, put them in order among their siblings, and hide or show them. Reading needs
``catalog:product:view``, every write ``catalog:product:write``, and every write is audited.

A hidden category hides its whole subtree from shoppers (navigation, listings, product pages)
while the flags below it stay as staff left them, so showing it again brings the subtree back
as it was. Every write replaces the catalog's revision token, so every process's copy of the
tree (``CatalogReference``) is rebuilt on its next page.

Writes that reshape the tree first lock the catalog's revision row and then read the tree:
two staff members moving categories at once take turns, so no move can close a loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.catalog.indexing import ListingIndex
from shop.application.catalog.schemas import (
    CategoryEditSchema,
    CategoryMoveSchema,
    CategorySchema,
    PlaceSchema,
)
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.validation import entity_key, validate
from shop.data.repositories.catalog_records import CategoryRecord
from shop.data.repositories.categories import MAX_PATH, CategoryRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

_NO_SUCH_PARENT = _("No such category")
_INTO_ITSELF = _("A category cannot go under itself or under a category below it")
_TOO_DEEP = _("The tree would grow too deep there")
_TAKEN = _("Already taken")
#: Room a new category's id takes at the end of a path ("1234567890/").
_ID_ROOM = 11


@dataclass(frozen=True)
class CategoryRow:
    """A category as the back office lists it, with its place in the tree."""

    id: int
    slug: str
    #: In the acting staff member's language.
    name: str
    name_zh: str
    name_en: str
    parent_id: int | None
    parent_slug: str | None
    depth: int
    #: Its place among its siblings (from 1), and how many siblings there are with it.
    place: int
    siblings: int
    #: Its own flag, as staff set it.
    is_published: bool
    #: Whether shoppers see it: published, and every category above it too.
    shown: bool
    #: Products it holds itself, and with every category under it (published or not).
    products: int
    products_in_subtree: int


class CategoryService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = CategoryRepository(uow._session)

    # -- reading ----------------------------------------------------------------------------

    def tree(self) -> tuple[CategoryRow, ...]:
        """Every category, each followed by the ones under it (depth-first, in display order):
        two statements, whatever the tree's size."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        return self._rows(self._repo.all(), self._repo.product_counts())

    def category(self, category_id: int | str) -> CategoryRow:
        self.uow.actor.require(Permission.CATALOG_VIEW)
        return self._row(category_id)

    # -- writing ----------------------------------------------------------------------------

    def create(self, data: Mapping[str, Any]) -> CategoryRow:
        """A category under ``parent`` (a slug, hidden or not; at the top when empty), last
        among its siblings unless ``position`` says otherwise."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(CategorySchema(), data)
        self._repo.lock_tree()
        parent = self._parent(values["parent"])
        if parent is not None and len(parent.path) + _ID_ROOM > MAX_PATH:
            raise Invalid({"parent": _TOO_DEEP})
        self._require_free_slug(values["slug"])
        if values["position"] is None:
            values["position"] = self._repo.last_position(parent.id if parent else None) + 1
        record = self._repo.add(slug=values["slug"], name_zh=values["name_zh"],
                                name_en=values["name_en"], position=values["position"],
                                parent=parent)
        self.uow._reference.changed("catalog")
        self.uow._audit.record("catalog.category.create", "category", record.id, after=values)
        return self._row(record.id)

    def rename(self, category_id: int | str, data: Mapping[str, Any]) -> CategoryRow:
        """Change a category's slug and names (its address changes with its slug)."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        category = self._get(category_id)
        values = validate(CategoryEditSchema(), data)
        if values["slug"] != category.slug:
            self._require_free_slug(values["slug"])
        before = {"slug": category.slug, "name_zh": category.name_zh,
                  "name_en": category.name_en}
        if values != before:
            self._repo.rename(category.id, slug=values["slug"], name_zh=values["name_zh"],
                              name_en=values["name_en"])
            self.uow._reference.changed("catalog")
            self.uow._audit.record("catalog.category.update", "category", category.id,
                                   before=before, after=values)
        return self._row(category.id)

    def move(self, category_id: int | str, data: Mapping[str, Any]) -> CategoryRow:
        """Put a category, with everything under it, under ``parent`` (a slug), or at the top
        when it is empty; it goes last among its new siblings. Moving under itself or under
        a category below it is refused at ``parent``."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(CategoryMoveSchema(), data)
        self._repo.lock_tree()
        category = self._get(category_id)
        parent = self._parent(values["parent"])
        if parent is not None and parent.path.startswith(category.path):
            raise Invalid({"parent": _INTO_ITSELF})
        parent_id = parent.id if parent else None
        if parent_id == category.parent_id:
            return self._row(category.id)
        tree = self._repo.all()
        subtree = [c for c in tree if c.path.startswith(category.path)]
        new_path = f"{parent.path if parent else '/'}{category.id}/"
        longest = max(len(c.path) for c in subtree) - len(category.path) + len(new_path)
        if longest > MAX_PATH:
            raise Invalid({"parent": _TOO_DEEP})
        with ListingIndex(self.uow).categories_changing([c.id for c in subtree]):
            self._repo.move(category, parent, self._repo.last_position(parent_id) + 1)
        self.uow._reference.changed("catalog")
        slugs = {c.id: c.slug for c in tree}
        self.uow._audit.record(
            "catalog.category.move", "category", category.id,
            before={"parent": slugs.get(category.parent_id) if category.parent_id else None},
            after={"parent": parent.slug if parent else None})
        return self._row(category.id)

    def reorder(self, category_id: int | str, data: Mapping[str, Any]) -> CategoryRow:
        """Put a category at ``place`` (from 1) among its siblings; the others keep their
        order around it."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(PlaceSchema(), data)
        self._repo.lock_tree()
        category = self._get(category_id)
        siblings = [c for c in self._repo.all() if c.parent_id == category.parent_id]
        order = [c.id for c in siblings]
        old_place = order.index(category.id) + 1
        order.remove(category.id)
        order.insert(min(values["place"], len(siblings)) - 1, category.id)
        positions = {key: place for place, key in enumerate(order)}
        moved = {c.id: positions[c.id] for c in siblings if c.position != positions[c.id]}
        if moved:
            self._repo.set_positions(moved)
            self.uow._reference.changed("catalog")
        new_place = order.index(category.id) + 1
        if new_place != old_place:
            self.uow._audit.record("catalog.category.reorder", "category", category.id,
                                   before={"place": old_place}, after={"place": new_place})
        return self._row(category.id)

    def hide(self, category_id: int | str) -> CategoryRow:
        """Hide a category and everything under it from shoppers (its products included);
        staff still see and edit it."""
        return self._publish(category_id, False)

    def show(self, category_id: int | str) -> CategoryRow:
        """Show a hidden category again; what is under it shows as it was before."""
        return self._publish(category_id, True)

    # -- helpers ----------------------------------------------------------------------------

    def _publish(self, category_id: int | str, published: bool) -> CategoryRow:
        self.uow.actor.require(Permission.CATALOG_WRITE)
        self._repo.lock_tree()
        category = self._get(category_id)
        if category.is_published != published:
            subtree = [c.id for c in self._repo.all() if c.path.startswith(category.path)]
            with ListingIndex(self.uow).categories_changing(subtree):
                self._repo.set_published(category.id, published)
            self.uow._reference.changed("catalog")
            self.uow._audit.record(
                "catalog.category.show" if published else "catalog.category.hide",
                "category", category.id, before={"is_published": category.is_published},
                after={"is_published": published})
        return self._row(category.id)

    def _row(self, category_id: int | str) -> CategoryRow:
        key = entity_key(category_id)
        rows = self._rows(self._repo.all(), self._repo.product_counts())
        found = next((row for row in rows if row.id == key), None)
        if found is None:
            raise NotFound(f"no category {category_id}")
        return found

    def _get(self, category_id: int | str) -> CategoryRecord:
        key = entity_key(category_id)
        category = self._repo.get(key) if key is not None else None
        if category is None:
            raise NotFound(f"no category {category_id}")
        return category

    def _parent(self, slug: str | None) -> CategoryRecord | None:
        if not slug:
            return None
        parent = self._repo.by_slug(slug, published=False)
        if parent is None:
            raise Invalid({"parent": _NO_SUCH_PARENT})
        return parent

    def _require_free_slug(self, slug: str) -> None:
        if self._repo.by_slug(slug, published=False) is not None:
            raise Invalid({"slug": _TAKEN})

    def _rows(self, records: Sequence[CategoryRecord],
              counts: Mapping[int, int]) -> tuple[CategoryRow, ...]:
        """Depth-first, each category followed by its children in display order."""
        children: dict[int | None, list[CategoryRecord]] = {}
        for record in records:  # already in display order
            children.setdefault(record.parent_id, []).append(record)
        subtree_counts: dict[int, int] = {}
        for record in records:
            for key in record.path.strip("/").split("/"):
                if key:
                    subtree_counts[int(key)] = (subtree_counts.get(int(key), 0)
                                                + counts.get(record.id, 0))
        rows: list[CategoryRow] = []

        def visit(parent: CategoryRecord | None, shown: bool) -> None:
            siblings = children.get(parent.id if parent else None, [])
            for place, c in enumerate(siblings, start=1):
                visible = shown and c.is_published
                rows.append(CategoryRow(
                    c.id, c.slug, pick(self.uow.locale, c.name_zh, c.name_en), c.name_zh,
                    c.name_en, c.parent_id, parent.slug if parent else None, c.depth, place,
                    len(siblings), c.is_published, visible, counts.get(c.id, 0),
                    subtree_counts.get(c.id, 0)))
                visit(c, visible)

        visit(None, True)
        return tuple(rows)
