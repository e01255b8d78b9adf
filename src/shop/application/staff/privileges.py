"""Rules about changing who may do what, shared by the staff and the role services.

* Nobody hands out more than they hold: a staff member may grant, revoke or build only roles whose
  permissions they hold themselves, and may edit only staff whose permissions they hold (else a
  staff manager could reset an administrator's password and become one). The system actor is
  trusted with everything.
* When a staff member's privileges change, their other sessions end; when they are the actor, the
  session they are using is rotated (a new token), so a token seen before the change is worthless.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from shop.application.errors import Forbidden, Invalid
from shop.application.i18n import _
from shop.application.sessions.service import LoginSessions, SessionGrant

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.actors import Actor


def holds_all(actor: Actor, permissions: Iterable[str]) -> bool:
    return actor.kind == "system" or set(permissions) <= set(actor.permissions)


def require_grantable(actor: Actor, permissions: Iterable[str], field: str) -> None:
    """Refuse, naming ``field``, permissions the actor could not use themselves."""
    if not holds_all(actor, permissions):
        raise Invalid({field: _("You can only grant permissions you hold yourself")})


def require_outranks(actor: Actor, target_permissions: Iterable[str]) -> None:
    """Refuse to edit someone who holds a permission the actor lacks."""
    if not holds_all(actor, target_permissions):
        raise Forbidden(f"{actor.name} may not change a staff member who holds more permissions")


def privileges_changed(uow: UnitOfWork, staff_ids: Iterable[int], *,
                       current_session: str | None, keep_actor_session: bool = True,
                       ) -> SessionGrant | None:
    """End the sessions of staff whose privileges changed; rotate the actor's own.

    Returns the actor's new session when it was rotated, for the caller to hand to the browser.
    ``keep_actor_session=False`` (the actor deactivated themselves) ends that one too.
    """
    grant = None
    actor = uow.actor
    sessions = LoginSessions(uow)
    for staff_id in sorted(set(staff_ids)):
        keep = None
        if keep_actor_session and current_session and (actor.kind, actor.id) == ("staff", staff_id):
            own = uow.sessions.principal(current_session)
            if own is not None and (own.kind, own.id) == ("staff", staff_id):
                grant = sessions.rotate(current_session)
                keep = grant.token if grant else None
        sessions.end_all("staff", staff_id, except_token=keep)
    return grant
