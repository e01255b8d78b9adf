"""What staff services return: frozen values a template or a script can read, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shop.application.sessions.service import SessionGrant


@dataclass(frozen=True)
class RoleRef:
    code: str
    name: str
    is_builtin: bool


@dataclass(frozen=True)
class RoleView:
    id: int
    code: str
    name_zh: str
    name_en: str
    name: str
    is_builtin: bool
    permissions: tuple[str, ...]
    holders: int


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    email: str
    name: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    roles: tuple[RoleRef, ...]
    permissions: frozenset[str]

    @property
    def role_codes(self) -> tuple[str, ...]:
        return tuple(role.code for role in self.roles)


@dataclass(frozen=True)
class StaffPage:
    items: tuple[StaffView, ...]
    page: int
    pages: int
    total: int
    q: str


@dataclass(frozen=True)
class StaffSaved:
    """A saved staff member, and the actor's new session when their own privileges changed."""

    staff: StaffView
    session: SessionGrant | None = None


@dataclass(frozen=True)
class RoleSaved:
    role: RoleView
    session: SessionGrant | None = None


@dataclass(frozen=True)
class StaffSignedIn:
    """A staff login succeeded: presentation sets the cookie from ``grant``."""

    grant: SessionGrant
    staff: StaffView


@dataclass(frozen=True)
class Dashboard:
    """The dashboard's numbers; a count the actor may not see is None."""

    me: StaffView | None
    actor_name: str
    products: int | None
    customers: int | None
    staff: int | None


@dataclass(frozen=True)
class PermissionChoice:
    value: str
    label: object  # a translation string


@dataclass(frozen=True)
class PermissionGroup:
    """A role form's group of permissions: one business module's."""

    code: str
    label: object  # a translation string
    choices: tuple[PermissionChoice, ...]
