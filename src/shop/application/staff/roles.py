"""Roles (角色): named permission sets. Built-in ones are fixed in code; administrators build,
rename, re-scope and delete custom ones. Needs ``ROLE_MANAGE``; every change is audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.staff.builtin_roles import STAFF_PERMISSIONS, permissions_of_role
from shop.application.staff.permission_labels import permission_choices, permission_groups
from shop.application.staff.privileges import privileges_changed, require_grantable
from shop.application.staff.read_models import (
    PermissionChoice,
    PermissionGroup,
    RoleSaved,
    RoleView,
)
from shop.application.staff.schemas import RoleCreateSchema, RoleUpdateSchema
from shop.application.validation import validate
from shop.data.models import Role
from shop.data.repositories.staff import RoleRepository, StaffRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

_ORDER = {p.value: i for i, p in enumerate(STAFF_PERMISSIONS)}


class RoleService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = RoleRepository(uow._session)
        self._staff_repo = StaffRepository(uow._session)

    # -- reading ----------------------------------------------------------------------------

    def list_roles(self) -> tuple[RoleView, ...]:
        """Every role; staff managers need the list to assign roles, so either permission does."""
        actor = self.uow.actor
        if not (actor.can(Permission.ROLE_MANAGE) or actor.can(Permission.STAFF_MANAGE)):
            raise Forbidden(f"{actor.name} lacks the permission {Permission.ROLE_MANAGE}")
        roles = self._repo.all()
        stored = self._repo.permissions_of([r.id for r in roles if not r.is_builtin])
        holders = self._repo.holder_counts()
        return tuple(self._view(r, stored.get(r.id, set()), holders.get(r.id, 0)) for r in roles)

    def get_role(self, code: str) -> RoleView:
        self.uow.actor.require(Permission.ROLE_MANAGE)
        role = self._get(code)
        return self._view(role, self._repo.permissions_of([role.id])[role.id],
                          len(self._staff_repo.holders(role.id)))

    def permission_choices(self) -> tuple[PermissionChoice, ...]:
        return permission_choices()

    def permission_groups(self) -> tuple[PermissionGroup, ...]:
        """The same choices grouped by business module, for the role form."""
        return permission_groups()

    # -- writing ----------------------------------------------------------------------------

    def create_role(self, data: Mapping[str, Any]) -> RoleView:
        self.uow.actor.require(Permission.ROLE_MANAGE)
        values = validate(RoleCreateSchema(), data)
        require_grantable(self.uow.actor, values["permissions"], "permissions")
        if self._repo.by_code(values["code"]) is not None:
            raise Invalid({"code": _("Already taken")})
        role = Role(code=values["code"], name_zh=values["name_zh"], name_en=values["name_en"],
                    is_builtin=False)
        if not self._repo.add(role):
            raise Invalid({"code": _("Already taken")})
        self._repo.set_permissions(role.id, values["permissions"])
        view = self._view(role, set(values["permissions"]), 0)
        self.uow._audit.record("staff.role.create", "role", role.code, after=_audited(view))
        return view

    def update_role(self, code: str, data: Mapping[str, Any], *,
                    current_session: str | None = None) -> RoleSaved:
        """Rename a role or change a custom role's permissions; holders of a role whose
        permissions changed have their other sessions ended (the actor's own is rotated)."""
        self.uow.actor.require(Permission.ROLE_MANAGE)
        role = self._get(code)
        values = validate(RoleUpdateSchema(), data)
        old = self._view(role, self._repo.permissions_of([role.id])[role.id], 0)
        require_grantable(self.uow.actor, old.permissions, "permissions")
        permissions = set(values.get("permissions", old.permissions))
        if permissions != set(old.permissions):
            if role.is_builtin:
                raise Invalid({"permissions": _("A built-in role's permissions are fixed")})
            require_grantable(self.uow.actor, permissions, "permissions")
        role.name_zh = values.get("name_zh", role.name_zh)
        role.name_en = values.get("name_en", role.name_en)
        holders = list(self._staff_repo.holders(role.id))
        grant = None
        if permissions != set(old.permissions):
            self._repo.set_permissions(role.id, permissions)
            grant = privileges_changed(self.uow, holders, current_session=current_session)
        new = self._view(role, permissions, len(holders))
        if _audited(old) != _audited(new):
            self.uow._audit.record("staff.role.update", "role", role.code,
                                  before=_audited(old), after=_audited(new))
        return RoleSaved(new, grant)

    def delete_role(self, code: str) -> None:
        """Delete a custom role that nobody holds (unassign it first: no privilege changes
        behind anyone's back)."""
        self.uow.actor.require(Permission.ROLE_MANAGE)
        role = self._get(code)
        if role.is_builtin:
            raise Conflict(_("A built-in role cannot be deleted"))
        if self._staff_repo.holders(role.id):
            raise Conflict(_("Staff members still hold this role; take it from them first"))
        view = self._view(role, self._repo.permissions_of([role.id])[role.id], 0)
        require_grantable(self.uow.actor, view.permissions, "permissions")
        self._repo.delete(role)
        self.uow._audit.record("staff.role.delete", "role", code, before=_audited(view))

    # -- helpers ----------------------------------------------------------------------------

    def _get(self, code: str) -> Role:
        role = self._repo.by_code(code)
        if role is None:
            raise NotFound(f"no role {code!r}")
        return role

    def _view(self, role: Role, stored: set[str], holders: int) -> RoleView:
        permissions = permissions_of_role(role.code, role.is_builtin, stored)
        return RoleView(role.id, role.code, role.name_zh, role.name_en,
                        pick(self.uow.locale, role.name_zh, role.name_en), role.is_builtin,
                        tuple(sorted(permissions, key=lambda p: _ORDER.get(p, len(_ORDER)))),
                        holders)


def _audited(role: RoleView) -> dict[str, Any]:
    return {"code": role.code, "name_zh": role.name_zh, "name_en": role.name_en,
            "permissions": list(role.permissions)}
