"""Join the accounts, staff and addresses branches that grew from 0002 in parallel.

Revision ID: 0006
Revises: 0003, 0004, 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0003", "0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the merge only makes the history linear again."""


def downgrade() -> None:
    """Nothing to undo."""
