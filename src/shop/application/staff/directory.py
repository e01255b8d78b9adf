"""Who the staff are: the actor a staff member acts as and the view of them.

The staff service and staff login both need these; they live here rather than on the service
so that login is handed this directory, not the whole facade, and so that reading any staff
member's view (without ``STAFF_MANAGE``) is not something a unit of work offers its caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from shop.application.actors import ANONYMOUS, Actor
from shop.application.locales import pick
from shop.application.staff.builtin_roles import permissions_of_role
from shop.application.staff.read_models import RoleRef, StaffView
from shop.data.models import Role, Staff
from shop.data.repositories.staff import RoleRepository, StaffRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork


class StaffDirectory:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = StaffRepository(uow._session)
        self.role_repo = RoleRepository(uow._session)

    def actor_for(self, staff_id: int) -> Actor:
        """The staff member behind a session, holding the union of their roles' permissions;
        a deactivated account acts as anonymous."""
        staff = self.repo.get(staff_id)
        if staff is None or not staff.is_active:
            return ANONYMOUS
        granted: dict[tuple[str, bool], set[str]] = {}
        for grant in self.repo.grants_of(staff_id):
            granted.setdefault((grant.role_code, grant.is_builtin), set()).update(
                [grant.permission] if grant.permission else [])
        permissions = frozenset[str]().union(*(permissions_of_role(code, builtin, stored)
                                               for (code, builtin), stored in granted.items()))
        return Actor(kind="staff", name=f"staff:{staff.username}", id=staff.id,
                     permissions=permissions, display_name=staff.name)

    def permissions(self, roles: Iterable[Role]) -> frozenset[str]:
        """Every permission the roles hold together."""
        roles = list(roles)
        stored = self.role_repo.permissions_of([r.id for r in roles if not r.is_builtin])
        return frozenset[str]().union(*(
            permissions_of_role(r.code, r.is_builtin, stored.get(r.id, set())) for r in roles))

    def view_of(self, staff: Staff, roles: Sequence[Role] | None = None) -> StaffView:
        if roles is None:
            roles = self.repo.roles_of([staff.id])[staff.id]
        return self._make_view(staff, roles, self.permissions(roles))

    def views(self, rows: Sequence[Staff]) -> tuple[StaffView, ...]:
        """Views of many staff in three queries, whatever their number."""
        roles_of = self.repo.roles_of([s.id for s in rows])
        custom = {r.id for roles in roles_of.values() for r in roles if not r.is_builtin}
        stored = self.role_repo.permissions_of(sorted(custom))
        return tuple(self._make_view(s, roles_of[s.id], frozenset[str]().union(
            *(permissions_of_role(r.code, r.is_builtin, stored.get(r.id, set()))
              for r in roles_of[s.id]))) for s in rows)

    def _make_view(self, staff: Staff, roles: Sequence[Role],
                   permissions: frozenset[str]) -> StaffView:
        refs = tuple(RoleRef(r.code, pick(self.uow.locale, r.name_zh, r.name_en), r.is_builtin)
                     for r in roles)
        return StaffView(staff.id, staff.username, staff.email, staff.name, staff.is_active,
                         staff.created_at, staff.last_login_at, refs, permissions)
