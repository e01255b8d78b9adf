"""The category tree: read whole for the process's reference copy, written one node at a time."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.data.models import Category
from shop.data.repositories.catalog_records import CategoryRecord, fetch, record_columns

_COLUMNS = record_columns(CategoryRecord, {
    "id": Category.id, "slug": Category.slug, "name_zh": Category.name_zh,
    "name_en": Category.name_en, "parent_id": Category.parent_id, "path": Category.path,
    "depth": Category.depth, "position": Category.position,
    "is_published": Category.is_published,
})
_ALL = select(*_COLUMNS).order_by(Category.position, Category.id)


class CategoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[CategoryRecord]:
        """The whole tree in display order, for the process's reference copy (see
        ``shop.application.reference``): read again only after a category changes."""
        return fetch(self.session, _ALL, {}, CategoryRecord)

    def by_slug(self, slug: str, *, published: bool = True) -> CategoryRecord | None:
        statement = select(*_COLUMNS).where(Category.slug == slug)
        if published:
            statement = statement.where(Category.is_published.is_(True))
        found = fetch(self.session, statement, {}, CategoryRecord)
        return found[0] if found else None

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
