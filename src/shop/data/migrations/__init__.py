"""Alembic migrations, run programmatically so no tier above needs to know alembic exists."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

SCRIPT_LOCATION = "shop.data:migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to ``revision`` (every branch head by default)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str:
    """The revision(s) the database is at, comma-separated when branches are open."""
    with engine.connect() as connection:
        return ",".join(sorted(MigrationContext.configure(connection).get_current_heads()))


def head_revision() -> str:
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))
