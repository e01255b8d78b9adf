"""rma replacement order: an exchange's replacement ships as a zero-amount order

``rma_request.replacement_order_id`` names the order that carries the replacement (its lines at
¥0, approved by the request's approval, shipped with the staff's tracking number). Requests
replaced before keep None: their parcel left the warehouse without an order.

Revision ID: 0026_rma_replacement_order
Revises: 0025_order_flag_placed_at
Create Date: 2026-12-02 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026_rma_replacement_order'
down_revision: str | None = '0025_order_flag_placed_at'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('rma_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replacement_order_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_rma_request_replacement_order_id_shop_order'), 'shop_order',
            ['replacement_order_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('rma_request', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_rma_request_replacement_order_id_shop_order'), type_='foreignkey')
        batch_op.drop_column('replacement_order_id')
