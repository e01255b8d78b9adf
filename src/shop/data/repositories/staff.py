"""Staff and roles: the only SQL the back office's people need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import Role, RolePermission, Staff, StaffRole


@dataclass(frozen=True)
class RoleGrant:
    role_code: str
    is_builtin: bool
    #: A custom role's permission; None for a built-in role (its set lives in code).
    permission: str | None


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, staff_id: int) -> Staff | None:
        return self.session.get(Staff, staff_id)

    def by_username(self, username: str) -> Staff | None:
        return self.session.scalars(select(Staff).where(Staff.username == username)).first()

    def add(self, staff: Staff) -> bool:
        """Insert ``staff``; False (and nothing written) when its username is taken meanwhile."""
        try:
            # A savepoint, so that losing a race for the username leaves the transaction usable.
            with self.session.begin_nested():
                self.session.add(staff)
        except IntegrityError:
            return False
        return True

    def page(self, *, limit: int, offset: int, search: str = "") -> tuple[Sequence[Staff], int]:
        """One page of staff by username, and how many match in all."""
        where = []
        if search:
            pattern = f"%{search.replace('%', '').replace('_', '')}%"
            where.append(or_(Staff.username.ilike(pattern), Staff.name.ilike(pattern),
                             Staff.email.ilike(pattern)))
        total = self.session.scalar(select(func.count()).select_from(Staff).where(*where)) or 0
        rows = self.session.scalars(
            select(Staff).where(*where).order_by(Staff.username).limit(limit).offset(offset)
        ).all()
        return rows, total

    def roles_of(self, staff_ids: Sequence[int]) -> dict[int, list[Role]]:
        """Each staff member's roles, built-in ones first, in one query."""
        found: dict[int, list[Role]] = {staff_id: [] for staff_id in staff_ids}
        if not staff_ids:
            return found
        rows = self.session.execute(
            select(StaffRole.staff_id, Role).join(Role, Role.id == StaffRole.role_id)
            .where(StaffRole.staff_id.in_(list(staff_ids)))
            .order_by(Role.is_builtin.desc(), Role.code)
        ).all()
        for staff_id, role in rows:
            found[staff_id].append(role)
        return found

    def grants_of(self, staff_id: int) -> list[RoleGrant]:
        """What each role of the staff member grants, in one query.

        A custom role yields one grant per permission; a built-in role one grant with no
        permission (its set lives in code).
        """
        return [RoleGrant(*row) for row in self.session.execute(
            select(Role.code, Role.is_builtin, RolePermission.permission)
            .select_from(StaffRole)
            .join(Role, Role.id == StaffRole.role_id)
            .outerjoin(RolePermission, RolePermission.role_id == Role.id)
            .where(StaffRole.staff_id == staff_id)
        ).all()]

    def set_roles(self, staff_id: int, role_ids: Iterable[int]) -> None:
        self.session.execute(delete(StaffRole).where(StaffRole.staff_id == staff_id))
        rows = [{"staff_id": staff_id, "role_id": role_id} for role_id in sorted(set(role_ids))]
        if rows:
            self.session.execute(insert(StaffRole), rows)

    def active_holders(self, role_id: int) -> Sequence[int]:
        """Ids of active staff holding the role."""
        return self.session.scalars(
            select(Staff.id).join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(StaffRole.role_id == role_id, Staff.is_active.is_(True))
        ).all()

    def holders(self, role_id: int) -> Sequence[int]:
        return self.session.scalars(
            select(StaffRole.staff_id).where(StaffRole.role_id == role_id)).all()


class RoleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> Sequence[Role]:
        """Built-in roles first (in the order they were seeded), then custom ones by code."""
        return self.session.scalars(
            select(Role).order_by(Role.is_builtin.desc(), Role.id)).all()

    def by_code(self, code: str, *, lock: bool = False) -> Role | None:
        """``lock`` holds the row until commit (PostgreSQL), so that two changes to the same
        role's holders queue instead of both passing a check that only one may pass."""
        statement = select(Role).where(Role.code == code)
        if lock:
            statement = statement.with_for_update()
        return self.session.scalars(statement).first()

    def by_codes(self, codes: Iterable[str]) -> Sequence[Role]:
        return self.session.scalars(select(Role).where(Role.code.in_(list(codes)))).all()

    def add(self, role: Role) -> bool:
        """Insert ``role``; False (and nothing written) when its code is taken meanwhile."""
        try:
            with self.session.begin_nested():
                self.session.add(role)
        except IntegrityError:
            return False
        return True

    def delete(self, role: Role) -> None:
        self.session.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
        self.session.delete(role)
        # Flushed now, so that a role still assigned fails here rather than at commit.
        self.session.flush()

    def permissions_of(self, role_ids: Sequence[int]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {role_id: set() for role_id in role_ids}
        if role_ids:
            for role_id, permission in self.session.execute(
                select(RolePermission.role_id, RolePermission.permission)
                .where(RolePermission.role_id.in_(list(role_ids)))
            ).all():
                found[role_id].add(permission)
        return found

    def set_permissions(self, role_id: int, permissions: Iterable[str]) -> None:
        self.session.execute(delete(RolePermission).where(RolePermission.role_id == role_id))
        rows = [{"role_id": role_id, "permission": p} for p in sorted(set(permissions))]
        if rows:
            self.session.execute(insert(RolePermission), rows)

    def holder_counts(self) -> dict[int, int]:
        """How many staff members hold each role that anyone holds."""
        return {role_id: count for role_id, count in self.session.execute(
            select(StaffRole.role_id, func.count()).group_by(StaffRole.role_id)).all()}

