"""one throttle table for every limit, shoppers and staff alike

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 10:00:00.000000

``throttle_event`` replaces ``login_attempt`` and ``staff_login_failure`` (and the per-address
index of ``one_time_code``, whose sends are counted as throttle events now). The old rows only
mattered for fifteen minutes, so none are carried over: a lock in progress during the upgrade
lifts early.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('throttle_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_event'))
    )
    with op.batch_alter_table('throttle_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_throttle_event_key', ['key', 'at'], unique=False)

    with op.batch_alter_table('staff_login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_login_failure_username')
        batch_op.drop_index('ix_staff_login_failure_ip')
        batch_op.drop_index(batch_op.f('ix_staff_login_failure_at'))
    op.drop_table('staff_login_failure')

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_ip')
        batch_op.drop_index('ix_login_attempt_identifier')
    op.drop_table('login_attempt')

    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.drop_index('ix_one_time_code_ip')


def downgrade() -> None:
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.create_index('ix_one_time_code_ip', ['ip', 'created_at'], unique=False)

    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=254), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_identifier', ['identifier', 'at'], unique=False)
        batch_op.create_index('ix_login_attempt_ip', ['ip', 'at'], unique=False)

    op.create_table('staff_login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_login_failure'))
    )
    with op.batch_alter_table('staff_login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_login_failure_at'), ['at'], unique=False)
        batch_op.create_index('ix_staff_login_failure_ip', ['ip', 'at'], unique=False)
        batch_op.create_index('ix_staff_login_failure_username', ['username', 'at'],
                              unique=False)

    with op.batch_alter_table('throttle_event', schema=None) as batch_op:
        batch_op.drop_index('ix_throttle_event_key')
        batch_op.drop_index(batch_op.f('ix_throttle_event_at'))
    op.drop_table('throttle_event')
