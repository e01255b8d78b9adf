"""Many transactions at once on a database of the test's own: threads released together,
each on its own connection, every unit of work really committing."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from shop.application import Shop
from shop.data import make_engine

postgresql_only = pytest.mark.skipif(not os.environ.get("SHOP_TEST_DATABASE_URL"),
                                     reason="row locks and deadlocks need PostgreSQL "
                                            "(set SHOP_TEST_DATABASE_URL)")

#: Connections at once: the test server allows 100 for every test run on this machine, so the
#: 200 buyers share a pool of 30 (each buyer's transaction has a connection to itself).
POOL = 30


@pytest.fixture
def committed(own_database: str, settings, clock) -> Iterator[Shop]:
    engine = make_engine(own_database, pool_size=POOL, max_overflow=0, pool_timeout=120)
    shop = Shop(engine, settings, clock=clock)
    shop.upgrade_database()
    yield shop
    shop.dispose()


def at_once(count: int, work: Callable[[int], str]) -> Counter[str]:
    """Run ``work(n)`` in ``count`` threads released together; what each returned or raised."""
    start = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        start.wait()
        try:
            outcome = work(n)
        except Exception as exc:  # the test reports every unexpected failure by name
            outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


