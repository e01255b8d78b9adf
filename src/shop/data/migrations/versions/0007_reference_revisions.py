"""reference data revision tokens (catalog, settings)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 02:00:00.000000

Seeds one row per kind with a fresh token, so a database that had catalog data before this
revision starts with a token no process has cached anything under.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table('reference_revision',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_reference_revision'))
    )
    op.bulk_insert(table, [{"name": name, "token": secrets.token_hex(16)}
                           for name in ("catalog", "settings")])


def downgrade() -> None:
    op.drop_table('reference_revision')
