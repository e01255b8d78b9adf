"""The alembic history and the models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from shop.data import make_engine
from shop.data.migrations import current_revision, head_revision, upgrade
from shop.data.models import Base


def test_migrations_reach_head(engine):
    assert current_revision(engine) == head_revision()


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


ROWS_AT_0022 = (
    "INSERT INTO customer (id, name, profile_completed, referral_code, is_active, created_at) "
    "VALUES (1, '张三', 1, 'R1', 1, '2026-12-01 10:00:00')",
    "INSERT INTO shop_order (id, number, customer_id, idempotency_key, state, placed_at, "
    "updated_at, payment_method, items_total, discount_total, shipping_fee, covered_total, "
    "payable, weight_grams, shipping_method_code, shipping_method_name, recipient, mobile, "
    "province_code, city_code, street, remarks) VALUES (1, '20261201000000000001', 1, 'k', "
    "'paid', '2026-12-01 10:00:00', '2026-12-01 10:00:00', 'online', 100, 0, 0, 0, 100, 0, "
    "'sf', 'SF', '张三', '+8613800138000', '110000', '110100', '建国路 1 号', '')",
    "INSERT INTO order_flag (id, order_id, kind, text, created_by, created_at) VALUES "
    "(1, 1, 'vip', '', 'staff:1', '2026-12-01 10:00:00')",
    "INSERT INTO order_transition (id, order_id, from_state, to_state, actor, note, "
    "occurred_at) VALUES (1, 1, 'awaiting_payment', 'paid', 'system', '', "
    "'2026-12-01 10:00:00')",
    "INSERT INTO payment (id, number, order_id, method, state, amount, points, refunded, "
    "trade_no, device, installments, closed_at_gateway, created_at, updated_at) VALUES (1, "
    "'P1', 1, 'alipay', 'captured', 100, 0, 0, 'T1', 'pc', 1, 0, '2026-12-01 10:00:00', "
    "'2026-12-01 10:00:00')",
)


def test_a_migration_that_rebuilds_a_table_keeps_the_rows_that_refer_to_it(tmp_path):
    """SQLite alters a table by copying it and dropping the original: with foreign keys on,
    that DROP would delete an order's flags and transitions (ON DELETE CASCADE), or refuse
    because a payment refers to the order. 0023 and 0025 rebuild orders and flags."""
    engine = make_engine(f"sqlite:///{tmp_path / 'upgraded.sqlite'}")
    upgrade(engine, "0022_product_admin_filters")
    with engine.begin() as connection:
        for statement in ROWS_AT_0022:
            connection.exec_driver_sql(statement)
    upgrade(engine)
    with engine.connect() as connection:
        counts = {table: connection.scalar(select(func.count()).select_from(text(table)))
                  for table in ("shop_order", "order_flag", "order_transition", "payment")}
        placed = connection.exec_driver_sql("SELECT order_placed_at FROM order_flag").scalar()
        enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    engine.dispose()
    assert counts == {"shop_order": 1, "order_flag": 1, "order_transition": 1, "payment": 1}
    assert str(placed).startswith("2026-12-01 10:00:00") and enforced == 1
