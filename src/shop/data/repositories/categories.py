"""The category tree: read whole for the process's reference copy, written one node at a time."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import String, bindparam, func, literal, select, update
from sqlalchemy.orm import Session

from shop.data.models import Category, Product, ReferenceRevision
from shop.data.repositories.catalog_records import CategoryRecord, fetch, record_columns

_COLUMNS = record_columns(CategoryRecord, {
    "id": Category.id, "slug": Category.slug, "name_zh": Category.name_zh,
    "name_en": Category.name_en, "parent_id": Category.parent_id, "path": Category.path,
    "depth": Category.depth, "position": Category.position,
    "is_published": Category.is_published,
})
_ALL = select(*_COLUMNS).order_by(Category.position, Category.id)
#: The longest path the column holds ("/1/5/12/").
MAX_PATH = 255


class CategoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[CategoryRecord]:
        """The whole tree in display order, for the process's reference copy (see
        ``shop.application.reference``): read again only after a category changes."""
        return fetch(self.session, _ALL, {}, CategoryRecord)

    def get(self, category_id: int) -> CategoryRecord | None:
        found = fetch(self.session, select(*_COLUMNS).where(Category.id == category_id), {},
                      CategoryRecord)
        return found[0] if found else None

    def by_slug(self, slug: str, *, published: bool = True) -> CategoryRecord | None:
        statement = select(*_COLUMNS).where(Category.slug == slug)
        if published:
            statement = statement.where(Category.is_published.is_(True))
        found = fetch(self.session, statement, {}, CategoryRecord)
        return found[0] if found else None

    def lock_tree(self) -> None:
        """Hold the catalog's revision row until the transaction ends (PostgreSQL; SQLite has
        one writer at a time anyway), so two staff members reshaping the tree at once take
        turns: each then reads the tree as the other left it, and no move can close a loop."""
        self.session.execute(select(ReferenceRevision.name)
                             .where(ReferenceRevision.name == "catalog").with_for_update())

    def product_counts(self) -> dict[int, int]:
        """How many products (published or not) each category holds itself, in one statement."""
        return dict(self.session.execute(  # type: ignore[arg-type]
            select(Product.category_id, func.count()).group_by(Product.category_id)).all())

    def last_position(self, parent_id: int | None) -> int:
        """The highest position among ``parent_id``'s children; -1 when it has none."""
        siblings = (Category.parent_id.is_(None) if parent_id is None
                    else Category.parent_id == parent_id)
        found = self.session.scalar(select(func.max(Category.position)).where(siblings))
        return -1 if found is None else int(found)

    def add(self, *, slug: str, name_zh: str, name_en: str, position: int,
            parent: CategoryRecord | None) -> CategoryRecord:
        """A category under ``parent`` (at the top when None), last among equal positions."""
        category = Category(slug=slug, name_zh=name_zh, name_en=name_en, position=position,
                            parent_id=parent.id if parent else None,
                            depth=parent.depth + 1 if parent else 0, path="")
        self.session.add(category)
        # Flushed now for the id its path ends with; a taken slug surfaces here, not at commit.
        self.session.flush()
        category.path = f"{parent.path if parent else '/'}{category.id}/"
        self.session.flush()
        return CategoryRecord(category.id, category.slug, category.name_zh, category.name_en,
                              category.parent_id, category.path, category.depth,
                              category.position, category.is_published)

    def rename(self, category_id: int, *, slug: str, name_zh: str, name_en: str) -> None:
        self.session.execute(update(Category).where(Category.id == category_id)
                             .values(slug=slug, name_zh=name_zh, name_en=name_en))

    def set_published(self, category_id: int, published: bool) -> None:
        self.session.execute(update(Category).where(Category.id == category_id)
                             .values(is_published=published))

    def set_positions(self, positions: Mapping[int, int]) -> None:
        """Category id → position, in one statement per batch."""
        if not positions:
            return
        table = Category.__table__
        self.session.connection().execute(
            table.update().where(table.c.id == bindparam("key"))
            .values(position=bindparam("place")),
            [{"key": key, "place": place} for key, place in positions.items()])

    def move(self, category: CategoryRecord, parent: CategoryRecord | None,
             position: int) -> None:
        """Put ``category`` with its whole subtree under ``parent`` (at the top when None):
        every path in the subtree gets the new prefix, every depth the same shift."""
        new_path = f"{parent.path if parent else '/'}{category.id}/"
        shift = (parent.depth + 1 if parent else 0) - category.depth
        self.session.execute(
            update(Category).where(Category.path.startswith(category.path, autoescape=True))
            .values(path=literal(new_path, String).concat(
                        func.substr(Category.path, len(category.path) + 1)),
                    depth=Category.depth + shift)
            .execution_options(synchronize_session=False))
        self.session.execute(update(Category).where(Category.id == category.id)
                             .values(parent_id=parent.id if parent else None, position=position)
                             .execution_options(synchronize_session=False))
