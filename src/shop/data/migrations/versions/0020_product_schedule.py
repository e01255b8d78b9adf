"""product schedule: a hidden product's publishing moment, and barcodes unique in the database

Revision ID: 0020_product_schedule
Revises: 0019_rma
Create Date: 2026-12-02 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_product_schedule'
down_revision: str | None = '0019_rma'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_product_publish_at', ['publish_at'], unique=False)
    # The application checks barcodes before writing; the unique index is what names a
    # barcode taken by a write that committed in between.
    with op.batch_alter_table('sku', schema=None) as batch_op:
        batch_op.drop_index('ix_sku_barcode')
        batch_op.create_index('ix_sku_barcode', ['barcode'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('sku', schema=None) as batch_op:
        batch_op.drop_index('ix_sku_barcode')
        batch_op.create_index('ix_sku_barcode', ['barcode'], unique=False)
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_publish_at')
        batch_op.drop_column('publish_at')
