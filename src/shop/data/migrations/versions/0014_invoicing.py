"""invoicing: the invoice titles a shopper keeps

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('invoice_title',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('tax_code', sa.String(length=18), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=30), nullable=False),
    sa.Column('company_address', sa.String(length=120), nullable=False),
    sa.Column('company_phone', sa.String(length=30), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('personal', 'company')", name=op.f('ck_invoice_title_kind_known')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                            name=op.f('fk_invoice_title_customer_id_customer'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_title')),
    sa.UniqueConstraint('customer_id', 'title', 'tax_code', name='uq_invoice_title_same')
    )
    with op.batch_alter_table('invoice_title', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_title_customer', ['customer_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('invoice_title')
