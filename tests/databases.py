"""New, empty databases of a run's own: the tests' and the benchmarks'."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

TEST_DATABASE_VARIABLE = "SHOP_TEST_DATABASE_URL"


@contextmanager
def new_database(directory: Path, prefix: str, server: str | None = None) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file in ``directory``, or a PostgreSQL
    database on ``server`` (by default the ``SHOP_TEST_DATABASE_URL`` one), dropped afterwards."""
    server = server or os.environ.get(TEST_DATABASE_VARIABLE)
    if not server:
        yield f"sqlite:///{directory / f'{prefix}.sqlite'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def throwaway_database(kind: str, server: str, prefix: str) -> Iterator[str]:
    """For a benchmark run: a SQLite file in a temporary directory (``kind`` "sqlite"), or a
    new database on the PostgreSQL ``server``; gone afterwards either way."""
    with tempfile.TemporaryDirectory() as directory:
        if kind == "sqlite":
            yield f"sqlite:///{directory}/{prefix}.sqlite"
        else:
            with new_database(Path(directory), prefix, server=server) as url:
                yield url
