"""order admin: staff flags and notes on orders, the review status, the order list's indexes

The back office lists every order (a million and more) newest first, filtered, keyset-paged by
(placed_at, id): each filter it offers needs an index that yields rows in that order, or the
database sorts the whole match before it can show the first 50.

- ``ix_shop_order_placed_at_id``: the unfiltered list, a date range, and the export, read in
  (placed_at, id) order straight from the index;
- ``ix_shop_order_state_placed_at_id``: the same within one state (the dashboard links the
  awaiting-shipment queue here), the most used filter;
- ``ix_shop_order_payable_id``: sorting by amount, and an amount range, keyset on
  (payable, id);
- ``ix_shop_order_mobile``: the search by the recipient's phone (an order number is already
  unique, so it has its index);
- ``ix_shop_order_review_placed_at_id``: the manual review queue (pending and held orders);
- ``ix_order_flag_kind_order_id``: the flag filter (orders carrying a kind) and the flags of
  a page's orders; ``ix_order_note_order_id``: an order's notes in order.

The payment-method filter has two values, each matching about half the orders: scanning the
(placed_at, id) index and skipping the others finds a page as fast as an index would.

Revision ID: 0021_order_admin
Revises: 0020_product_schedule
Create Date: 2026-12-02 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0021_order_admin'
down_revision: str | None = '0020_product_schedule'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_shop_order_known_review'),
            "review IS NULL OR review IN ('pending', 'approved', 'rejected', 'held')")
        batch_op.create_index('ix_shop_order_placed_at_id', ['placed_at', 'id'], unique=False)
        batch_op.create_index('ix_shop_order_state_placed_at_id', ['state', 'placed_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_shop_order_payable_id', ['payable', 'id'], unique=False)
        batch_op.create_index('ix_shop_order_mobile', ['mobile'], unique=False)
        batch_op.create_index('ix_shop_order_review_placed_at_id',
                              ['review', 'placed_at', 'id'], unique=False)
    op.create_table('order_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('urgent', 'risk', 'vip', 'custom')",
                       name=op.f('ck_order_flag_known_kind')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'],
                            name=op.f('fk_order_flag_order_id_shop_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_flag')),
    sa.UniqueConstraint('order_id', 'kind', 'text', name='uq_order_flag_kind_text')
    )
    op.create_index('ix_order_flag_kind_order_id', 'order_flag', ['kind', 'order_id'],
                    unique=False)
    op.create_table('order_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'],
                            name=op.f('fk_order_note_order_id_shop_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_note'))
    )
    op.create_index('ix_order_note_order_id', 'order_note', ['order_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_order_note_order_id', table_name='order_note')
    op.drop_table('order_note')
    op.drop_index('ix_order_flag_kind_order_id', table_name='order_flag')
    op.drop_table('order_flag')
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_index('ix_shop_order_review_placed_at_id')
        batch_op.drop_index('ix_shop_order_mobile')
        batch_op.drop_index('ix_shop_order_payable_id')
        batch_op.drop_index('ix_shop_order_state_placed_at_id')
        batch_op.drop_index('ix_shop_order_placed_at_id')
        batch_op.drop_constraint(op.f('ck_shop_order_known_review'), type_='check')
        batch_op.drop_column('review')
