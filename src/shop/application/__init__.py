"""The application tier as a library: the ``Shop`` facade.

Views, console scripts, jobs and integrators all go through it::

    shop = Shop.from_settings({"sqlalchemy.url": "sqlite:///var/shop.sqlite"})
    with shop.transaction(actor=shop.system_actor("nightly-import")) as tx:
        tx.catalog.create_category(...)

A unit of work joins the ``transaction`` package, exactly as pyramid_tm does for a request, so a
service behaves the same in a request, a script and a test.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import transaction as transaction_package

from shop.application.actors import ANONYMOUS, Actor, Permission, system_actor
from shop.application.catalog.service import CatalogService
from shop.application.demo.service import DemoService
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound, ShopError
from shop.application.locales import normalize_locale
from shop.data import make_engine, make_session_factory, open_session
from shop.data import migrations as data_migrations

__all__ = [
    "ANONYMOUS",
    "Actor",
    "Conflict",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Permission",
    "Shop",
    "ShopError",
    "UnitOfWork",
]


class Shop:
    """One per process: owns the engine and makes units of work."""

    def __init__(self, bind: Any, settings: Mapping[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self._bind = bind
        self._sessions = make_session_factory(bind)
        self.default_locale = normalize_locale(self.settings.get("shop.default_locale"))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Shop:
        url = settings.get("sqlalchemy.url")
        if not url:
            raise Invalid({"sqlalchemy.url": "the database URL is required"})
        options = {key.removeprefix("sqlalchemy."): int(value)
                   for key, value in settings.items()
                   if key in ("sqlalchemy.pool_size", "sqlalchemy.max_overflow")}
        return cls(make_engine(url, **options), settings)

    system_actor = staticmethod(system_actor)

    def bind(
        self,
        transaction_manager: transaction_package.TransactionManager,
        actor: Actor = ANONYMOUS,
        *,
        locale: str | None = None,
        writes: bool = True,
    ) -> UnitOfWork:
        """Services for one unit of work whose commit belongs to ``transaction_manager``."""
        session = open_session(self._sessions, transaction_manager, writes=writes)
        return UnitOfWork(self, session, actor, normalize_locale(locale, self.default_locale))

    @contextmanager
    def transaction(
        self, actor: Actor | None = None, *, locale: str | None = None, writes: bool = True
    ) -> Iterator[UnitOfWork]:
        """Commit when the block ends, abort if it raises."""
        manager = transaction_package.TransactionManager(explicit=True)
        with manager:
            yield self.bind(manager, actor or ANONYMOUS, locale=locale, writes=writes)

    def upgrade_database(self, revision: str = "head") -> None:
        data_migrations.upgrade(self._bind, revision)

    def database_revision(self) -> tuple[str | None, str | None]:
        """(current, head): equal when the database is up to date."""
        return data_migrations.current_revision(self._bind), data_migrations.head_revision()

    def dispose(self) -> None:
        dispose = getattr(self._bind, "dispose", None)
        if dispose is not None:
            dispose()


class UnitOfWork:
    """The services of one transaction, for one actor, in one language."""

    def __init__(self, shop: Shop, session: Any, actor: Actor, locale: str) -> None:
        self.shop = shop
        self.session = session
        self.actor = actor
        self.locale = locale

    @cached_property
    def catalog(self) -> CatalogService:
        return CatalogService(self)

    @cached_property
    def demo(self) -> DemoService:
        return DemoService(self)
