"""order entry: orders staff enter (phone, group-buy import, zero-amount), their channel

- ``shop_order.channel``: where the order came from (web, mobile, app, mini_program, phone,
  group_buy); existing rows are ``web``.
- ``shop_order.entered_by``: the staff member who entered an order for a shopper.
- ``shop_order.approval``: a zero-amount order's second-person approval (pending orders may not
  ship); ``ix_shop_order_approval_placed_at_id`` is the approval queue.
- ``order_entry``: the entry's kind, a zero-amount order's reason and decider, a group-buy
  order's platform and external id, unique together so a re-import or a race creates nothing
  twice.
- ``payment.method`` may be ``external``: what an external platform collected.

Revision ID: 0023_order_entry
Revises: 0022_product_admin_filters
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0023_order_entry'
down_revision: str | None = '0022_product_admin_filters'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_METHODS = "method IN ('balance', 'points', 'gift_card', 'alipay', 'wechat', 'unionpay')"
_NEW_METHODS = ("method IN ('balance', 'points', 'gift_card', 'alipay', 'wechat', 'unionpay', "
                "'external')")


def upgrade() -> None:
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), server_default='web',
                                      nullable=False))
        batch_op.add_column(sa.Column('entered_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('approval', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_shop_order_known_approval'),
            "approval IS NULL OR approval IN ('pending', 'approved', 'rejected')")
        batch_op.create_index('ix_shop_order_approval_placed_at_id',
                              ['approval', 'placed_at', 'id'], unique=False)
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payment_known_method'), type_='check')
        batch_op.create_check_constraint(op.f('ck_payment_known_method'), _NEW_METHODS)
    op.create_table('order_entry',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=True),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('phone', 'group_buy', 'zero_amount')",
                       name=op.f('ck_order_entry_known_kind')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'],
                            name=op.f('fk_order_entry_order_id_shop_order'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_order_entry')),
    sa.UniqueConstraint('platform', 'external_id', name='uq_order_entry_platform_external_id')
    )


def downgrade() -> None:
    op.drop_table('order_entry')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payment_known_method'), type_='check')
        batch_op.create_check_constraint(op.f('ck_payment_known_method'), _OLD_METHODS)
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_index('ix_shop_order_approval_placed_at_id')
        batch_op.drop_constraint(op.f('ck_shop_order_known_approval'), type_='check')
        batch_op.drop_column('approval')
        batch_op.drop_column('entered_by')
        batch_op.drop_column('channel')
