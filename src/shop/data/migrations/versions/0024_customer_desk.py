"""customer desk: the back-office customer list's indexes

The back office lists every customer (a hundred thousand and more) newest first, keyset-paged
by (created_at, id), and finds one by email, mobile (both unique, so indexed already) or the
start of a name:

- ``ix_customer_created_at_id``: the list, a registration date range, and the export, read in
  (created_at, id) order straight from the index;
- ``ix_customer_name``: a name prefix (``text_pattern_ops`` on PostgreSQL, so ``LIKE 'x%'``
  can use the index whatever the database's collation).

Revision ID: 0024_customer_desk
Revises: 0023_order_entry
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0024_customer_desk'
down_revision: str | None = '0023_order_entry'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_customer_name', ['name'], unique=False,
                              postgresql_ops={'name': 'text_pattern_ops'})


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_name')
        batch_op.drop_index('ix_customer_created_at_id')
