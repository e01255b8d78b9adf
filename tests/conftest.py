"""Fixtures shared by every test: a migrated database, a rolled-back connection per test, the app.

The database is SQLite in a temporary file by default. With ``SHOP_TEST_DATABASE_URL`` pointing
at a PostgreSQL server, a fresh database is created there for this run and dropped afterwards,
so concurrent runs never see each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, make_url

from shop.application import Shop, UnitOfWork
from shop.application.clock import ManualClock
from shop.data import make_engine
from shop.data.migrations import upgrade
from tests.databases import TEST_DATABASE_VARIABLE, new_database


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(TEST_DATABASE_VARIABLE)
    return f"database: {make_url(url).get_backend_name() if url else 'sqlite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with new_database(tmp_path_factory.mktemp("db"), "shop_test") as url:
        yield url


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's own, for code that commits for real (a script, the
    README's example) where the rolled-back connection of ``shop`` would not do."""
    with new_database(tmp_path, "shop_own") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back: tests never see each other."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def settings() -> dict[str, Any]:
    # argon2id at OWASP's minimum (the floor the shop allows), so tests hash quickly.
    return {"shop.default_locale": "zh_CN", "pyramid.reload_templates": "false",
            "shop.argon2.memory_kib": "19456", "shop.argon2.time_cost": "2",
            "shop.argon2.parallelism": "1", "shop.public_url": "https://shop.example"}


@pytest.fixture
def clock() -> ManualClock:
    """The shop's clock, which only moves when a test moves it (codes, sessions, locks expire)."""
    return ManualClock()


@pytest.fixture
def shop(connection: Connection, settings: dict[str, Any], clock: ManualClock) -> Shop:
    return Shop(connection, settings, clock=clock)


@pytest.fixture
def system(shop: Shop) -> Iterator[UnitOfWork]:
    """A unit of work for a trusted script; committed (to the test's savepoint) at the end."""
    with shop.transaction(actor=shop.system_actor("tests"), locale="en") as tx:
        yield tx


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def queries(connection: Connection) -> Iterator[QueryCounter]:
    """Counts the SQL statements a test makes (savepoint bookkeeping excluded)."""
    counter = QueryCounter()
    event.listen(connection, "before_cursor_execute", counter)
    yield counter
    event.remove(connection, "before_cursor_execute", counter)



@pytest.fixture(scope="session")
def gateway_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory of simulator and merchant keys for the run (RSA keys take a while)."""
    return tmp_path_factory.mktemp("gateway-keys")
