"""rma: return, refund and exchange requests (售后), their lines, photos and steps; the return
policy per category; suggestions and complaints (建议与投诉)

The RMA permission (order:rma:manage) needs no rows: built-in roles read their permissions from
code (``shop.application.staff.builtin_roles``); customer service holds it.

Revision ID: 0019_rma
Revises: 0018_dashboard
Create Date: 2026-12-02 06:59:55.797182
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0019_rma'
down_revision: str | None = '0018_dashboard'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('return_policy',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('no_reason_days', sa.Integer(), nullable=False),
    sa.Column('return_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('no_reason_days >= 0 AND return_days >= 0', name=op.f('ck_return_policy_days_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_return_policy_category_id_category'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('category_id', name=op.f('pk_return_policy'))
    )
    op.create_table('service_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('answer', sa.String(length=2000), nullable=False),
    sa.Column('answered_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('suggestion', 'complaint')", name=op.f('ck_service_ticket_known_kind')),
    sa.CheckConstraint("state IN ('open', 'answered')", name=op.f('ck_service_ticket_known_state')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_service_ticket_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ticket'))
    )
    with op.batch_alter_table('service_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_service_ticket_customer_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_service_ticket_state_id', ['state', 'id'], unique=False)

    op.create_table('rma_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('staff_message', sa.String(length=500), nullable=False),
    sa.Column('disposition', sa.String(length=10), nullable=False),
    sa.Column('refund_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('replacement_carrier', sa.String(length=20), nullable=False),
    sa.Column('replacement_tracking', sa.String(length=40), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("disposition IN ('', 'restock', 'write_off')", name=op.f('ck_rma_request_known_disposition')),
    sa.CheckConstraint("kind IN ('refund', 'return', 'exchange')", name=op.f('ck_rma_request_known_kind')),
    sa.CheckConstraint("state IN ('requested', 'approved', 'rejected', 'withdrawn', 'received', 'refunded', 'replaced')", name=op.f('ck_rma_request_known_state')),
    sa.CheckConstraint('refund_total >= 0', name=op.f('ck_rma_request_refund_not_negative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_rma_request_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_rma_request_order_id_shop_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rma_request')),
    sa.UniqueConstraint('number', name=op.f('uq_rma_request_number'))
    )
    with op.batch_alter_table('rma_request', schema=None) as batch_op:
        batch_op.create_index('ix_rma_request_customer_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_rma_request_order_id', ['order_id'], unique=False)
        batch_op.create_index('ix_rma_request_state_id', ['state', 'id'], unique=False)

    op.create_table('rma_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rma_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['rma_id'], ['rma_request.id'], name=op.f('fk_rma_photo_rma_id_rma_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rma_photo')),
    sa.UniqueConstraint('file_name', name=op.f('uq_rma_photo_file_name'))
    )
    with op.batch_alter_table('rma_photo', schema=None) as batch_op:
        batch_op.create_index('ix_rma_photo_rma_id', ['rma_id'], unique=False)

    op.create_table('rma_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rma_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=12), nullable=False),
    sa.Column('to_state', sa.String(length=12), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('occurred_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rma_id'], ['rma_request.id'], name=op.f('fk_rma_transition_rma_id_rma_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rma_transition'))
    )
    with op.batch_alter_table('rma_transition', schema=None) as batch_op:
        batch_op.create_index('ix_rma_transition_rma_id', ['rma_id', 'id'], unique=False)

    op.create_table('rma_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rma_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('refund_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_rma_line_quantity_positive')),
    sa.CheckConstraint('refund_amount >= 0', name=op.f('ck_rma_line_refund_not_negative')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], name=op.f('fk_rma_line_order_line_id_order_line')),
    sa.ForeignKeyConstraint(['rma_id'], ['rma_request.id'], name=op.f('fk_rma_line_rma_id_rma_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rma_line'))
    )
    with op.batch_alter_table('rma_line', schema=None) as batch_op:
        batch_op.create_index('ix_rma_line_order_line_id', ['order_line_id'], unique=False)
        batch_op.create_index('ix_rma_line_rma_id', ['rma_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rma_line', schema=None) as batch_op:
        batch_op.drop_index('ix_rma_line_rma_id')
        batch_op.drop_index('ix_rma_line_order_line_id')

    op.drop_table('rma_line')
    with op.batch_alter_table('rma_transition', schema=None) as batch_op:
        batch_op.drop_index('ix_rma_transition_rma_id')

    op.drop_table('rma_transition')
    with op.batch_alter_table('rma_photo', schema=None) as batch_op:
        batch_op.drop_index('ix_rma_photo_rma_id')

    op.drop_table('rma_photo')
    with op.batch_alter_table('rma_request', schema=None) as batch_op:
        batch_op.drop_index('ix_rma_request_state_id')
        batch_op.drop_index('ix_rma_request_order_id')
        batch_op.drop_index('ix_rma_request_customer_id')

    op.drop_table('rma_request')
    with op.batch_alter_table('service_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_service_ticket_state_id')
        batch_op.drop_index('ix_service_ticket_customer_id')

    op.drop_table('service_ticket')
    op.drop_table('return_policy')
