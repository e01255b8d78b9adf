"""oauth_attempt: the starting address, and indexes to bound attempts per address and browser

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 09:00:00.000000

Attempts under way are deleted as they finish or expire; existing ones keep no address.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('oauth_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ip', sa.String(length=45), nullable=True))
        batch_op.create_index(batch_op.f('ix_oauth_attempt_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_attempt_browser_hash'), ['browser_hash'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('oauth_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_attempt_browser_hash'))
        batch_op.drop_index(batch_op.f('ix_oauth_attempt_ip'))
        batch_op.drop_column('ip')
