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
class StaffLoginResult:
    """The outcome of a staff login; a failure is a value, not an exception (see ``login``)."""

    grant: SessionGrant | None = None
    staff: StaffView | None = None
    error: object | None = None  # a translation string for the visitor
    retry_after: int | None = None  # seconds, when locked out

    @property
    def ok(self) -> bool:
        return self.grant is not None


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
