"""The security policy: who is acting comes from the request, what they may do from the application.

Every view names a permission. ``public`` is open to all; any other permission is asked of the
actor, the same check the services make. Views that forget to name one get ``DEFAULT_PERMISSION``,
which nobody holds, so a forgotten view is closed rather than open.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import Allowed, Denied

PUBLIC = "public"
DEFAULT_PERMISSION = "view:undeclared"


class MissingPermission(Denied):
    """A refusal that names the permission, so the forbidden view can choose where to send."""

    permission: str

    def __new__(cls, actor_name: str, permission: str) -> MissingPermission:
        denied = super().__new__(cls, "%s lacks %s", actor_name, permission)
        denied.permission = permission
        return denied


class ShopSecurityPolicy:
    def identity(self, request: Request) -> Any:
        return request.actor

    def authenticated_userid(self, request: Request) -> str | None:
        actor = request.actor
        return f"{actor.kind}:{actor.id}" if actor.id is not None else None

    def permits(self, request: Request, context: Any, permission: str) -> Allowed | Denied:
        if permission == PUBLIC:
            return Allowed("public")
        if request.actor.can(permission):
            return Allowed(f"{request.actor.name} holds {permission}")
        return MissingPermission(request.actor.name, permission)

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        return []




def includeme(config: Configurator) -> None:
    config.set_security_policy(ShopSecurityPolicy())
    config.set_default_permission(DEFAULT_PERMISSION)
