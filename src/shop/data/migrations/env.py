"""Alembic environment: the engine comes from the caller (``shop-admin db upgrade``) or the ini."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from shop.data import make_engine
from shop.data.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        engine = make_engine(url) if url else engine_from_config(
            config.get_section(config.config_ini_section, {}), poolclass=pool.NullPool
        )
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite alters tables by copying them; batch mode does that for us.
            render_as_batch=sqlite,
            compare_type=True,
        )
        if not sqlite:
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            return
        # Batch mode rebuilds a table (copy, DROP, rename), and with foreign keys on, SQLite's
        # DROP TABLE deletes the rows that refer to it (ON DELETE CASCADE: an order's lines
        # and flags) or fails. So they are off while migrating (a pragma that only changes
        # outside a transaction) and every reference is checked before the commit.
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with context.begin_transaction():
                context.run_migrations()
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken references: {broken[:5]}")
            connection.commit()
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
