"""dashboard: visitors per day, and an index for the orders paid within a day

Revision ID: 0018_dashboard
Revises: 0017
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_dashboard'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('visit_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.CheckConstraint('visitors >= 0', name=op.f('ck_visit_day_visitors_not_negative')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_visit_day'))
    )
    with op.batch_alter_table('order_transition', schema=None) as batch_op:
        batch_op.create_index('ix_order_transition_to_state_occurred_at',
                              ['to_state', 'occurred_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_transition', schema=None) as batch_op:
        batch_op.drop_index('ix_order_transition_to_state_occurred_at')
    op.drop_table('visit_day')
