"""Staff login: one answer for every failure, argon2id with rehash, and throttling.

A failure raises like every other use case: ``Invalid`` for a wrong username or password,
``Throttled`` while locked. The failed try is counted by the shop's throttle
(``shop.application.security.throttle``) so that it outlives the caller's rollback, in a request
and in ``shop.transaction()`` alike: at most 5 failures per username
(``staff-login:username:…``) and 20 per address (``staff-login:ip:…``) in 15 minutes. The lock
lifts by itself as failures age out of the window, a success clears the username's count, and an
unknown username is counted like a known one, so a lockout reveals nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.security.throttle import Limit, Rule, Throttle
from shop.application.sessions.service import LoginSessions
from shop.application.staff.read_models import StaffSignedIn
from shop.application.staff.schemas import StaffLoginSchema
from shop.application.validation import validate

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.staff.directory import StaffDirectory

PER_USERNAME = Limit(5, timedelta(minutes=15))
PER_ADDRESS = Limit(20, timedelta(minutes=15))
WRONG = _("Wrong username or password")
USERNAME_COLUMN = 40


def staff_login_rules(username: str, ip: str | None) -> list[Rule]:
    rules = [Rule(f"staff-login:username:{username}", PER_USERNAME, "username")]
    if ip:
        rules.append(Rule(f"staff-login:ip:{ip}", PER_ADDRESS, "ip"))
    return rules


class StaffLogin:
    def __init__(self, uow: UnitOfWork, directory: StaffDirectory) -> None:
        self.uow = uow
        self.directory = directory
        self.throttle = Throttle(uow)

    def login(self, data: Mapping[str, Any], *, user_agent: str | None = None,
              previous_session: str | None = None) -> StaffSignedIn:
        """Start a staff session for the right username and password.

        Unknown username, wrong password and deactivated account all raise the same ``Invalid``
        in the same time (a missing account is verified against a dummy hash). The session the
        browser had before (``previous_session``) ends: a login always issues a new token.
        """
        values = validate(StaffLoginSchema(), data)
        username = values["username"][:USERNAME_COLUMN]
        ip = self.uow.client_ip
        rules = staff_login_rules(username, ip)
        self.throttle.refuse_if_reached(rules)

        passwords = self.uow.shop.passwords
        staff = self.directory.repo.by_username(username)
        matches = passwords.verify(staff.password_hash if staff else None, values["password"])
        if staff is None or not matches or not staff.is_active:
            self.throttle.count_failure(rules)
            raise Invalid({"_": WRONG})

        if passwords.needs_rehash(staff.password_hash):
            staff.password_hash = passwords.hash(values["password"])
        staff.last_login_at = self.uow.clock.now()
        self.throttle.clear(rule for rule in rules if rule.scope == "username")
        grant = LoginSessions(self.uow).begin("staff", staff.id, user_agent=user_agent,
                                              replacing=previous_session)
        # From here this unit of work acts as the person who just proved who they are, so the
        # audit entry names them rather than "anonymous".
        self.uow.actor = self.directory.actor_for(staff.id)
        self.uow._audit.record("staff.login", "staff", staff.id)
        return StaffSignedIn(grant=grant, staff=self.directory.view_of(staff))
