"""shipping: methods, their fee rules per region, the regions they do not serve

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shipping_method',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('free_above', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('free_above IS NULL OR free_above >= 0',
                       name=op.f('ck_shipping_method_free_above_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_method')),
    sa.UniqueConstraint('code', name=op.f('uq_shipping_method_code'))
    )
    op.create_table('shipping_fee_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('method_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('first_weight_grams', sa.Integer(), nullable=False),
    sa.Column('first_fee', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('additional_weight_grams', sa.Integer(), nullable=False),
    sa.Column('additional_fee', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('first_weight_grams > 0',
                       name=op.f('ck_shipping_fee_rule_first_weight_positive')),
    sa.CheckConstraint('additional_weight_grams > 0',
                       name=op.f('ck_shipping_fee_rule_additional_weight_positive')),
    sa.CheckConstraint('first_fee >= 0', name=op.f('ck_shipping_fee_rule_first_fee_not_negative')),
    sa.CheckConstraint('additional_fee >= 0',
                       name=op.f('ck_shipping_fee_rule_additional_fee_not_negative')),
    sa.ForeignKeyConstraint(['method_id'], ['shipping_method.id'],
                            name=op.f('fk_shipping_fee_rule_method_id_shipping_method'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_fee_rule')),
    sa.UniqueConstraint('method_id', 'region', name='uq_shipping_fee_rule_method_region')
    )
    op.create_table('shipping_exclusion',
    sa.Column('method_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['method_id'], ['shipping_method.id'],
                            name=op.f('fk_shipping_exclusion_method_id_shipping_method'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('method_id', 'region', name=op.f('pk_shipping_exclusion'))
    )


def downgrade() -> None:
    op.drop_table('shipping_exclusion')
    op.drop_table('shipping_fee_rule')
    op.drop_table('shipping_method')
