"""staff, roles, base settings, staff login throttling; seeds the built-in roles

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25 12:00:00.000000

The built-in roles are seeded here as rows so that assignments can refer to them; their
permission sets live in code (``shop.application.staff.builtin_roles``), so a new permission
needs no data migration. ``tests/application/test_staff_roles.py`` checks that this seed and
the code name the same roles.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop.data.models.base

revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUILTIN_ROLES = [
    ("administrator", "系统管理员", "Administrator"),
    ("merchandiser", "商品运营", "Merchandiser"),
    ("customer_service", "客服", "Customer service"),
    ("warehouse", "仓库管理", "Warehouse"),
    ("purchasing", "采购", "Purchasing"),
    ("finance", "财务", "Finance"),
]


def upgrade() -> None:
    role = op.create_table('role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('is_builtin', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role')),
    sa.UniqueConstraint('code', name=op.f('uq_role_code'))
    )
    op.create_table('shop_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_shop_setting'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', shop.data.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_username'))
    )
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
        batch_op.create_index('ix_staff_login_failure_username', ['username', 'at'], unique=False)

    op.create_table('role_permission',
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('permission', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_role_permission_role_id_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('role_id', 'permission', name=op.f('pk_role_permission'))
    )
    op.create_table('staff_role',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_staff_role_role_id_role')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_role_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'role_id', name=op.f('pk_staff_role'))
    )
    with op.batch_alter_table('staff_role', schema=None) as batch_op:
        batch_op.create_index('ix_staff_role_role', ['role_id', 'staff_id'], unique=False)

    op.bulk_insert(role, [
        {"code": code, "name_zh": name_zh, "name_en": name_en, "is_builtin": True}
        for code, name_zh, name_en in BUILTIN_ROLES
    ])


def downgrade() -> None:
    with op.batch_alter_table('staff_role', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_role_role')

    op.drop_table('staff_role')
    op.drop_table('role_permission')
    with op.batch_alter_table('staff_login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_login_failure_username')
        batch_op.drop_index('ix_staff_login_failure_ip')
        batch_op.drop_index(batch_op.f('ix_staff_login_failure_at'))

    op.drop_table('staff_login_failure')
    op.drop_table('staff')
    op.drop_table('shop_setting')
    op.drop_table('role')
