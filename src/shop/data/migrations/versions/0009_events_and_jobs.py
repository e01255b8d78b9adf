"""domain events, event deliveries, and outbox messages as a leased queue

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:10:44.013613

Existing outbox messages keep their meaning: a sent one is ``done``, one that had failed five
times (the old limit) is ``dead``, any other is ``pending`` and due at once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_MAX_ATTEMPTS = 5


def upgrade() -> None:
    op.create_table('domain_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('occurred_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_event'))
    )
    op.create_table('event_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('handler', sa.String(length=80), nullable=False),
    sa.Column('handled_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', shop.data.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['domain_event.id'], name=op.f('fk_event_delivery_event_id_domain_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_delivery')),
    sa.UniqueConstraint('event_id', 'handler', name='uq_event_delivery_event_handler')
    )
    with op.batch_alter_table('event_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_event_delivery_state', ['state', 'id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', shop.data.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_outbox_message_pending')
        batch_op.create_index('ix_outbox_message_state', ['state', 'id'], unique=False)
    op.execute(sa.text(
        "UPDATE outbox_message SET next_attempt_at = created_at, state = CASE"
        " WHEN sent_at IS NOT NULL THEN 'done'"
        " WHEN attempts >= :old_max THEN 'dead'"
        " ELSE 'pending' END").bindparams(old_max=OLD_MAX_ATTEMPTS))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=shop.data.models.base.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_state')
        batch_op.create_index('ix_outbox_message_pending', ['sent_at', 'id'], unique=False)
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('state')

    with op.batch_alter_table('event_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_event_delivery_state')

    op.drop_table('event_delivery')
    op.drop_table('domain_event')
