"""The embedded SQLite default serves concurrent readers and writers without "database is locked".

Readers run beside writers (WAL); writers take the write lock when they begin (BEGIN IMMEDIATE)
and wait for each other within the busy timeout instead of failing.
"""

from __future__ import annotations

import threading

from shop.application import Shop
from tests import factories

WRITERS = 6
READERS = 6
ROUNDS = 8


def test_concurrent_writers_and_readers_never_fail(tmp_path):
    shop = Shop.from_settings({"sqlalchemy.url": f"sqlite:///{tmp_path / 'shop.sqlite'}"})
    shop.upgrade_database()
    with shop.transaction(actor=shop.system_actor("setup"), locale="en") as tx:
        factories.small_catalog(tx, products=4)
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS + READERS)

    def write(n: int) -> None:
        try:
            start.wait()
            for round_ in range(ROUNDS):
                with shop.transaction(actor=shop.system_actor(f"writer-{n}")) as tx:
                    factories.product(tx, "shirts", "acme", name_en=f"w{n}-{round_}")
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            start.wait()
            for _ in range(ROUNDS * 3):
                with shop.transaction(writes=False, locale="en") as tx:
                    tx.catalog.category_page("clothes", {"brand": ["acme"]})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=read) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        with shop.transaction(writes=False, locale="en") as tx:
            page = tx.catalog.category_page("shirts", {"per_page": ["96"]})
        assert page.pagination.total == 2 + WRITERS * ROUNDS
    finally:
        shop.dispose()
