"""inventory owns stock: warehouses, stock levels, reservations and the stock movement log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 18:20:00.000000

Each SKU's ``stock_on_hand`` becomes its on-hand quantity in a new default warehouse, with an
``opening`` movement for it, so that the log sums to the levels from the first day.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    warehouse = op.create_table('warehouse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse')),
    sa.UniqueConstraint('code', name=op.f('uq_warehouse_code'))
    )
    op.create_table('stock_level',
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_level_on_hand_not_negative')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_stock_level_reserved_not_negative')),
    sa.CheckConstraint('reserved <= on_hand',
                       name=op.f('ck_stock_level_reserved_within_on_hand')),
    sa.ForeignKeyConstraint(['sku_id'], ['sku.id'], name=op.f('fk_stock_level_sku_id_sku')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'],
                            name=op.f('fk_stock_level_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('sku_id', 'warehouse_id', name=op.f('pk_stock_level'))
    )
    with op.batch_alter_table('stock_level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_level_warehouse_id'), ['warehouse_id'],
                              unique=False)
    op.create_table('stock_reservation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_kind', sa.String(length=20), nullable=False),
    sa.Column('owner_ref', sa.String(length=64), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('expires_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_reservation_quantity_positive')),
    sa.ForeignKeyConstraint(['sku_id'], ['sku.id'],
                            name=op.f('fk_stock_reservation_sku_id_sku')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'],
                            name=op.f('fk_stock_reservation_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_reservation'))
    )
    with op.batch_alter_table('stock_reservation', schema=None) as batch_op:
        batch_op.create_index('ix_stock_reservation_owner', ['owner_kind', 'owner_ref', 'state'],
                              unique=False)
        batch_op.create_index('ix_stock_reservation_state_expires', ['state', 'expires_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_stock_reservation_sku_id'), ['sku_id'],
                              unique=False)
    op.create_table('stock_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reserved_delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('occurred_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sku_id'], ['sku.id'], name=op.f('fk_stock_movement_sku_id_sku')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'],
                            name=op.f('fk_stock_movement_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movement'))
    )
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movement_sku_warehouse', ['sku_id', 'warehouse_id'],
                              unique=False)

    op.bulk_insert(warehouse, [{"code": "default", "name_zh": "默认仓",
                                "name_en": "Default warehouse", "is_default": True}])
    op.execute(sa.text(
        "INSERT INTO stock_level (sku_id, warehouse_id, on_hand, reserved) "
        "SELECT sku.id, warehouse.id, sku.stock_on_hand, 0 FROM sku, warehouse "
        "WHERE warehouse.code = 'default'"))
    op.execute(sa.text(
        "INSERT INTO stock_movement (sku_id, warehouse_id, delta, reserved_delta, reason, "
        "reference, actor, occurred_at) "
        "SELECT sku.id, warehouse.id, sku.stock_on_hand, 0, 'opening', 'migration 0010', "
        "'system:migration', CURRENT_TIMESTAMP FROM sku, warehouse "
        "WHERE warehouse.code = 'default' AND sku.stock_on_hand > 0"))
    with op.batch_alter_table('sku', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_sku_stock_not_negative'), type_='check')
        batch_op.drop_column('stock_on_hand')


def downgrade() -> None:
    with op.batch_alter_table('sku', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock_on_hand', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(sa.text(
        "UPDATE sku SET stock_on_hand = (SELECT coalesce(sum(on_hand), 0) FROM stock_level "
        "WHERE stock_level.sku_id = sku.id)"))
    with op.batch_alter_table('sku', schema=None) as batch_op:
        batch_op.alter_column('stock_on_hand', server_default=None)
        batch_op.create_check_constraint(batch_op.f('ck_sku_stock_not_negative'),
                                         'stock_on_hand >= 0')
    op.drop_table('stock_movement')
    op.drop_table('stock_reservation')
    op.drop_table('stock_level')
    op.drop_table('warehouse')
