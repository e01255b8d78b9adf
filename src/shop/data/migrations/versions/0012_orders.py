"""orders: orders with lines, invoice requests and transitions; stock shortfalls; when a product takes stock

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:54:36.125444
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shop_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('placed_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pay_by', shop.data.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('items_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('shipping_fee', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('covered_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('payable', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('shipping_method_code', sa.String(length=40), nullable=False),
    sa.Column('shipping_method_name', sa.String(length=120), nullable=False),
    sa.Column('recipient', sa.String(length=30), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('province_code', sa.String(length=6), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('street', sa.String(length=120), nullable=False),
    sa.Column('postcode', sa.String(length=6), nullable=True),
    sa.Column('remarks', sa.String(length=200), nullable=False),
    sa.CheckConstraint("state IN ('awaiting_payment', 'paid', 'awaiting_shipment', 'shipped', 'delivered', 'completed', 'cancelled', 'closed')", name=op.f('ck_shop_order_known_state')),
    sa.CheckConstraint('items_total >= 0 AND discount_total >= 0 AND shipping_fee >= 0 AND covered_total >= 0 AND payable >= 0', name=op.f('ck_shop_order_amounts_not_negative')),
    sa.CheckConstraint('round(payable * 100) = round(items_total * 100) - round(discount_total * 100) + round(shipping_fee * 100) - round(covered_total * 100)', name=op.f('ck_shop_order_payable_adds_up')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_shop_order_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_order')),
    sa.UniqueConstraint('customer_id', 'idempotency_key', name='uq_shop_order_idempotency'),
    sa.UniqueConstraint('number', name=op.f('uq_shop_order_number'))
    )
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.create_index('ix_shop_order_customer_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_shop_order_customer_state_id', ['customer_id', 'state', 'id'], unique=False)
        batch_op.create_index('ix_shop_order_state_pay_by', ['state', 'pay_by'], unique=False)

    op.create_table('order_invoice',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title_kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('tax_code', sa.String(length=18), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=40), nullable=False),
    sa.Column('company_address', sa.String(length=200), nullable=False),
    sa.Column('company_phone', sa.String(length=30), nullable=False),
    sa.CheckConstraint("kind IN ('plain', 'vat')", name=op.f('ck_order_invoice_known_kind')),
    sa.CheckConstraint("title_kind IN ('personal', 'company')", name=op.f('ck_order_invoice_known_title_kind')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_order_invoice_order_id_shop_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_order_invoice'))
    )
    op.create_table('order_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('occurred_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_order_transition_order_id_shop_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_transition'))
    )
    with op.batch_alter_table('order_transition', schema=None) as batch_op:
        batch_op.create_index('ix_order_transition_order_id', ['order_id', 'id'], unique=False)

    op.create_table('order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku_code', sa.String(length=80), nullable=False),
    sa.Column('product_slug', sa.String(length=120), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('variant_zh', sa.String(length=200), nullable=False),
    sa.Column('variant_en', sa.String(length=200), nullable=False),
    sa.Column('image_url', sa.String(length=500), nullable=True),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('line_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount_share', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reserves_stock', sa.Boolean(), nullable=False),
    sa.CheckConstraint('discount_share >= 0 AND discount_share <= line_total', name=op.f('ck_order_line_discount_within_line')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_line_quantity_positive')),
    sa.CheckConstraint('round(line_total * 100) = round(unit_price * 100) * quantity', name=op.f('ck_order_line_line_total_adds_up')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_order_line_order_id_shop_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_order_line_product_id_product')),
    sa.ForeignKeyConstraint(['sku_id'], ['sku.id'], name=op.f('fk_order_line_sku_id_sku')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line'))
    )
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index('ix_order_line_order_id', ['order_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_line_sku_id'), ['sku_id'], unique=False)

    op.create_table('stock_shortfall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('owner_kind', sa.String(length=20), nullable=False),
    sa.Column('owner_ref', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('recorded_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_shortfall_quantity_positive')),
    sa.ForeignKeyConstraint(['sku_id'], ['sku.id'], name=op.f('fk_stock_shortfall_sku_id_sku')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_stock_shortfall_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_shortfall'))
    )
    with op.batch_alter_table('stock_shortfall', schema=None) as batch_op:
        batch_op.create_index('ix_stock_shortfall_open', ['resolved_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_shortfall_sku_id'), ['sku_id'], unique=False)

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserves_stock', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('reserves_stock')

    with op.batch_alter_table('stock_shortfall', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_shortfall_sku_id'))
        batch_op.drop_index('ix_stock_shortfall_open')

    op.drop_table('stock_shortfall')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_sku_id'))
        batch_op.drop_index('ix_order_line_order_id')

    op.drop_table('order_line')
    with op.batch_alter_table('order_transition', schema=None) as batch_op:
        batch_op.drop_index('ix_order_transition_order_id')

    op.drop_table('order_transition')
    op.drop_table('order_invoice')
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_index('ix_shop_order_state_pay_by')
        batch_op.drop_index('ix_shop_order_customer_state_id')
        batch_op.drop_index('ix_shop_order_customer_id')

    op.drop_table('shop_order')
