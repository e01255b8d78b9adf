"""Staff login: one answer for every failure, argon2id with rehash, and throttling.

A failure is returned, not raised: the failed attempt is written to ``staff_login_failure`` in
the same transaction, and an exception would roll that record back (in a request and in
``shop.transaction()`` alike), letting a guesser go uncounted.

Throttling uses the shop's shared rules (``shop.application.security.throttle``) over the staff
table of failures: at most 5 failures per username and 20 per address in 15 minutes. The lock
lifts by itself as failures age out of the window, a success clears the username's count, and
an unknown username is counted like a known one, so a lockout reveals nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shop.application.i18n import _
from shop.application.security.throttle import Limit, Throttled, enforce
from shop.application.staff.read_models import StaffLoginResult
from shop.application.staff.schemas import StaffLoginSchema
from shop.application.validation import validate
from shop.data.repositories.staff import StaffLoginFailureRepository

if TYPE_CHECKING:
    from shop.application.staff.service import StaffService

PER_USERNAME = Limit(5, timedelta(minutes=15))
PER_ADDRESS = Limit(20, timedelta(minutes=15))
#: Wide enough for either limit; older failures are purged as new ones arrive.
KEEP = max(PER_USERNAME.window, PER_ADDRESS.window)
WRONG = _("Wrong username or password")
USERNAME_COLUMN = 40


class StaffLogin:
    def __init__(self, staff: StaffService) -> None:
        self.staff = staff
        self.uow = staff.uow
        self.failures = StaffLoginFailureRepository(self.uow.session)

    def login(self, data: Mapping[str, Any], *, user_agent: str | None = None,
              previous_session: str | None = None) -> StaffLoginResult:
        """Start a staff session for the right username and password.

        Unknown username, wrong password and deactivated account all give the same answer in
        the same time (a missing account is verified against a dummy hash). The session the
        browser had before (``previous_session``) ends: a login always issues a new token.
        """
        values = validate(StaffLoginSchema(), data)
        username = values["username"][:USERNAME_COLUMN]
        ip = self.uow.client_ip
        now = self.uow.clock.now()
        try:
            self._enforce_limits(username, ip, now)
        except Throttled as locked:
            return StaffLoginResult(error=locked.message, retry_after=locked.retry_after)

        passwords = self.uow.shop.passwords
        staff = self.staff.repo.by_username(username)
        matches = passwords.verify(staff.password_hash if staff else None, values["password"])
        if staff is None or not matches or not staff.is_active:
            self.failures.purge_before(now - KEEP)
            self.failures.add(username, ip, now)
            return StaffLoginResult(error=WRONG)

        if passwords.needs_rehash(staff.password_hash):
            staff.password_hash = passwords.hash(values["password"])
        staff.last_login_at = now
        self.failures.clear_username(username)
        self.uow.sessions.end(previous_session)
        grant = self.uow.sessions.start("staff", staff.id, ip=ip, user_agent=user_agent)
        # From here this unit of work acts as the person who just proved who they are, so the
        # audit entry names them rather than "anonymous".
        self.uow.actor = self.staff.actor_for(staff.id)
        self.uow.audit.record("staff.login", "staff", staff.id)
        return StaffLoginResult(grant=grant, staff=self.staff.view_of(staff))

    def _enforce_limits(self, username: str, ip: str | None, now: datetime) -> None:
        checks = [(PER_USERNAME, self.failures.recent_for_username(
            username, now - PER_USERNAME.window, PER_USERNAME.count))]
        if ip:
            checks.append((PER_ADDRESS, self.failures.recent_from_ip(
                ip, now - PER_ADDRESS.window, PER_ADDRESS.count)))
        enforce(checks, now)
