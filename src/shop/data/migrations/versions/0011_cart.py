"""cart: a cart per shopper or per guest token, and its lines

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cart',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(customer_id IS NULL) <> (token_hash IS NULL)',
                       name=op.f('ck_cart_one_owner')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                            name=op.f('fk_cart_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_cart_customer_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_cart_token_hash'))
    )
    op.create_table('cart_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cart_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('price_when_added', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_cart_line_quantity_positive')),
    sa.ForeignKeyConstraint(['cart_id'], ['cart.id'], name=op.f('fk_cart_line_cart_id_cart'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sku_id'], ['sku.id'], name=op.f('fk_cart_line_sku_id_sku')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_line')),
    sa.UniqueConstraint('cart_id', 'sku_id', name='uq_cart_line_cart_sku')
    )
    with op.batch_alter_table('cart_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_line_sku_id'), ['sku_id'], unique=False)


def downgrade() -> None:
    op.drop_table('cart_line')
    op.drop_table('cart')
