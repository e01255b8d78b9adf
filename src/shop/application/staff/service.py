"""Staff accounts: who works in the back office, with which roles, and who they are at login.

Every write needs ``STAFF_MANAGE`` here, in the application tier, whatever view or script calls
it, and leaves an audit entry with the values before and after.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shop.application.actors import Actor, Permission
from shop.application.errors import Conflict, Invalid, NotFound
from shop.application.i18n import _
from shop.application.security.passwords import check_new_password
from shop.application.staff.builtin_roles import ADMINISTRATOR
from shop.application.staff.directory import StaffDirectory
from shop.application.staff.login import StaffLogin
from shop.application.staff.privileges import (
    privileges_changed,
    require_grantable,
    require_outranks,
)
from shop.application.staff.read_models import (
    Dashboard,
    StaffPage,
    StaffSaved,
    StaffSignedIn,
    StaffView,
)
from shop.application.staff.schemas import (
    PasswordResetSchema,
    StaffCreateSchema,
    StaffListQuerySchema,
    StaffUpdateSchema,
)
from shop.application.validation import entity_key, validate
from shop.data.models import Role, Staff
from shop.data.repositories.dashboard import DashboardRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

PAGE_SIZE = 50
#: The demo administrator ``make run`` creates; for a local demo only (see README, Back office).
DEMO_ADMIN = {"username": "admin", "email": "admin@example.com", "name": "Demo administrator",
              "password": "back-office-demo-2026", "roles": [ADMINISTRATOR]}


class StaffService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._directory = StaffDirectory(uow)
        self._repo = self._directory.repo
        self._role_repo = self._directory.role_repo

    # -- who is acting ----------------------------------------------------------------------

    def actor_for(self, staff_id: int) -> Actor:
        """The staff member behind a session, holding the union of their roles' permissions;
        a deactivated account acts as anonymous."""
        return self._directory.actor_for(staff_id)

    def login(self, data: Mapping[str, Any], *, user_agent: str | None = None,
              previous_session: str | None = None) -> StaffSignedIn:
        """Check a username and password; raises ``Invalid`` or ``Throttled`` on failure
        (see ``StaffLogin.login``)."""
        return StaffLogin(self.uow, self._directory).login(
            data, user_agent=user_agent, previous_session=previous_session)

    def logout(self, session_token: str | None) -> None:
        """End the login session behind ``session_token``, whoever's it is (logging out needs
        no permission); a staff member's logout is audited."""
        if self.uow.actor.kind == "staff":
            self.uow._audit.record("staff.logout", "staff", self.uow.actor.id)
        self.uow.sessions.end(session_token)

    # -- reading ----------------------------------------------------------------------------

    def dashboard(self) -> Dashboard:
        """Who you are and the shop's headline counts, each only if you may see that area."""
        actor = self.uow.actor
        actor.require(Permission.ADMIN_ACCESS)
        counts = DashboardRepository(self.uow._session)
        me = (self._directory.view_of(self._get(actor.id))
              if actor.kind == "staff" and actor.id else None)
        return Dashboard(
            me=me, actor_name=actor.name,
            products=counts.count_products() if actor.can(Permission.CATALOG_VIEW) else None,
            customers=counts.count_customers() if actor.can(Permission.CUSTOMER_VIEW) else None,
            staff=counts.count_staff() if actor.can(Permission.STAFF_MANAGE) else None,
        )

    def list_staff(self, params: Mapping[str, Any] | None = None) -> StaffPage:
        self.uow.actor.require(Permission.STAFF_MANAGE)
        query = validate(StaffListQuerySchema(), params or {})
        rows, total = self._repo.page(limit=PAGE_SIZE, offset=(query["page"] - 1) * PAGE_SIZE,
                                     search=query["q"])
        return StaffPage(self._directory.views(rows), query["page"],
                         max(1, math.ceil(total / PAGE_SIZE)), total, query["q"])

    def get_staff(self, staff_id: int) -> StaffView:
        self.uow.actor.require(Permission.STAFF_MANAGE)
        return self._directory.view_of(self._get(staff_id))

    # -- writing ----------------------------------------------------------------------------

    def create_staff(self, data: Mapping[str, Any]) -> StaffView:
        self.uow.actor.require(Permission.STAFF_MANAGE)
        values = validate(StaffCreateSchema(), data)
        check_new_password(values["password"], personal=_personal(values))
        roles = self._roles_by_code(values["roles"])
        require_grantable(self.uow.actor, self._directory.permissions(roles), "roles")
        if self._repo.by_username(values["username"]) is not None:
            raise Invalid({"username": _("Already taken")})
        staff = Staff(username=values["username"], email=values["email"], name=values["name"],
                      password_hash=self.uow.shop.passwords.hash(values["password"]),
                      is_active=values["is_active"])
        if not self._repo.add(staff):
            raise Invalid({"username": _("Already taken")})
        self._repo.set_roles(staff.id, [role.id for role in roles])
        self.uow._audit.record("staff.create", "staff", staff.id,
                              after={"username": staff.username, **_audited(staff, roles)})
        return self._directory.view_of(staff, roles)

    def update_staff(self, staff_id: int, data: Mapping[str, Any], *,
                     current_session: str | None = None) -> StaffSaved:
        """Change name, email, active flag and roles; a privilege change ends the staff member's
        other sessions (``current_session``, the caller's own, is rotated if it is theirs)."""
        self.uow.actor.require(Permission.STAFF_MANAGE)
        staff = self._get(staff_id)
        values = validate(StaffUpdateSchema(), data)
        old_roles = self._repo.roles_of([staff.id])[staff.id]
        require_outranks(self.uow.actor, self._directory.permissions(old_roles))
        new_roles = (self._roles_by_code(values["roles"]) if "roles" in values
                     else list(old_roles))
        require_grantable(self.uow.actor, self._directory.permissions(new_roles), "roles")
        was_active = staff.is_active
        now_active = values.get("is_active", was_active)
        self._keep_an_administrator(staff, old_roles, new_roles, now_active)

        before = _audited(staff, old_roles)
        staff.email = values.get("email", staff.email)
        staff.name = values.get("name", staff.name)
        staff.is_active = now_active
        roles_changed = {r.id for r in old_roles} != {r.id for r in new_roles}
        if roles_changed:
            self._repo.set_roles(staff.id, [role.id for role in new_roles])
        after = _audited(staff, new_roles)
        if before != after:
            self.uow._audit.record("staff.update", "staff", staff.id, before=before, after=after)
        grant = None
        if roles_changed or was_active != now_active:
            grant = privileges_changed(self.uow, [staff.id], current_session=current_session,
                                       keep_actor_session=now_active)
        return StaffSaved(self._directory.view_of(staff, new_roles), grant)

    def reset_password(self, staff_id: int, data: Mapping[str, Any], *,
                       current_session: str | None = None) -> StaffSaved:
        """Set a new password; the staff member's other sessions end."""
        self.uow.actor.require(Permission.STAFF_MANAGE)
        staff = self._get(staff_id)
        roles = self._repo.roles_of([staff.id])[staff.id]
        require_outranks(self.uow.actor, self._directory.permissions(roles))
        values = validate(PasswordResetSchema(), data)
        if "password_confirm" in values and values["password_confirm"] != values["password"]:
            raise Invalid({"password_confirm": _("The two passwords differ")})
        check_new_password(values["password"], personal=_personal(
            {"username": staff.username, "email": staff.email, "name": staff.name}))
        staff.password_hash = self.uow.shop.passwords.hash(values["password"])
        # The hash itself never enters the log; that it changed, and by whom, does.
        self.uow._audit.record("staff.password.reset", "staff", staff.id,
                              after={"password": "changed"})
        grant = privileges_changed(self.uow, [staff.id], current_session=current_session)
        return StaffSaved(self._directory.view_of(staff, roles), grant)

    def ensure_demo_administrator(self) -> bool:
        """Create the local demo's ``admin`` (see ``DEMO_ADMIN``) unless it exists; True if made."""
        self.uow.actor.require(Permission.SYSTEM_DATABASE)
        if self._repo.by_username(DEMO_ADMIN["username"]) is not None:  # type: ignore[arg-type]
            return False
        self.create_staff(DEMO_ADMIN)
        return True

    # -- helpers ----------------------------------------------------------------------------

    def _get(self, staff_id: int | None) -> Staff:
        key = entity_key(staff_id)
        staff = self._repo.get(key) if key is not None else None
        if staff is None:
            raise NotFound(f"no staff member {staff_id}")
        return staff

    def _roles_by_code(self, codes: Sequence[str]) -> list[Role]:
        roles = list(self._role_repo.by_codes(set(codes)))
        unknown = sorted(set(codes) - {role.code for role in roles})
        if unknown:
            raise Invalid({"roles": _("Unknown roles: ${codes}",
                                      mapping={"codes": ", ".join(unknown)})})
        return roles

    def _keep_an_administrator(self, staff: Staff, old_roles: Sequence[Role],
                               new_roles: Sequence[Role], now_active: bool) -> None:
        """Refuse to deactivate or demote the last active administrator."""
        was_admin = staff.is_active and any(r.code == ADMINISTRATOR for r in old_roles)
        stays_admin = now_active and any(r.code == ADMINISTRATOR for r in new_roles)
        if not was_admin or stays_admin:
            return
        administrator = self._role_repo.by_code(ADMINISTRATOR, lock=True)
        others = [i for i in self._repo.active_holders(administrator.id) if i != staff.id] \
            if administrator else []
        if not others:
            raise Conflict(_("This is the last active administrator: make another staff "
                             "member an administrator first"))


def _personal(values: Mapping[str, Any]) -> tuple[str, ...]:
    """What a staff member's password must not contain."""
    return (values["username"], str(values["email"]).split("@")[0], values["name"])


def _audited(staff: Staff, roles: Iterable[Role]) -> dict[str, Any]:
    return {"email": staff.email, "name": staff.name, "is_active": staff.is_active,
            "roles": sorted(role.code for role in roles)}

