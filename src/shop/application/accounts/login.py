"""Logging in and out, with throttling that never tells whether an account exists.

Every password check is a ``LoginAttempt`` row. Five failures on one identifier within fifteen
minutes (since its last success) lock that identifier for fifteen minutes; thirty failures from
one visitor address lock the address. Unknown identifiers count and lock exactly like known
ones, and ``Passwords.verify`` spends the same time on them, so neither the message, the lock
nor the timing tells an account apart from none. Locks expire by themselves (see
``security.throttle``); each one is written to the audit log when it begins.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shop.application.accounts.read_models import SignedIn
from shop.application.accounts.schemas import LoginSchema, normalize_login
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.security.throttle import Limit, enforce
from shop.application.validation import validate
from shop.data.models import Customer, LoginAttempt
from shop.data.repositories.login_attempts import LoginAttemptRepository

if TYPE_CHECKING:
    from shop.application.accounts.service import AccountService

PER_IDENTIFIER = Limit(5, timedelta(minutes=15))
PER_IP = Limit(30, timedelta(minutes=15))
WRONG = _("The email/phone or password is wrong")


def _locked_message(seconds: int, minutes: int) -> object:
    return _("Too many failed logins; try again in ${minutes} minutes",
             mapping={"minutes": minutes})


class LoginThrottle:
    """Counts failed password checks and refuses more while a limit is reached."""

    def __init__(self, accounts: AccountService) -> None:
        self.uow = accounts.uow
        self.repo = LoginAttemptRepository(accounts.uow.session)

    def _recent(self, identifier: str, now: datetime) -> list[tuple[Limit, Any]]:
        checks = [(PER_IDENTIFIER, self.repo.failures_for(
            identifier, now - PER_IDENTIFIER.window, PER_IDENTIFIER.count))]
        if self.uow.client_ip:
            checks.append((PER_IP, self.repo.failures_from(
                self.uow.client_ip, now - PER_IP.window, PER_IP.count)))
        return checks

    def refuse_if_locked(self, identifier: str, now: datetime) -> None:
        enforce(self._recent(identifier, now), now, _locked_message)

    def record(self, identifier: str, succeeded: bool, now: datetime,
               customer: Customer | None = None) -> None:
        """Write the attempt; a failure that starts a lock is also written to the audit log."""
        self.repo.add(LoginAttempt(identifier=identifier[:254], ip=self.uow.client_ip,
                                   succeeded=succeeded, at=now))
        if succeeded:
            return
        for limit, recent in self._recent(identifier, now):
            inside = [at for at in recent if at > now - limit.window]
            # Refused attempts are not recorded, so the count reaches the limit exactly once
            # per lock: this failure is the one that starts it.
            if len(inside) == limit.count:
                scope = "identifier" if limit is PER_IDENTIFIER else "ip"
                self.uow.audit.record(
                    "accounts.login.locked", "customer", customer.id if customer else None,
                    after={"scope": scope, "identifier": identifier,
                           "until": inside[-1] + limit.window})


class Authentication:
    def __init__(self, accounts: AccountService) -> None:
        self.accounts = accounts
        self.uow = accounts.uow
        self.throttle = LoginThrottle(accounts)

    def log_in(self, data: dict[str, Any], *, user_agent: str | None = None,
               current_token: str | None = None) -> SignedIn:
        """Check the password and start a session with a new token.

        A wrong password raises ``Invalid`` after recording the attempt: the caller must commit
        (the login view does, by rendering the form), or the throttle never sees it.
        """
        values = validate(LoginSchema(), data)
        identifier = normalize_login(values["identifier"])
        now = self.uow.clock.now()
        self.throttle.refuse_if_locked(identifier, now)
        customer = self.accounts.repo.by_login(identifier)
        passwords = self.uow.shop.passwords
        stored = customer.password_hash if customer is not None else None
        matches = passwords.verify(stored, values["password"])
        if customer is None or not matches or not customer.is_active:
            self.throttle.record(identifier, False, now, customer)
            raise Invalid({"password": WRONG})
        self.throttle.record(identifier, True, now, customer)
        if stored and passwords.needs_rehash(stored):
            customer.password_hash = passwords.hash(values["password"])
        return SignedIn(customer.id, self.accounts.start_session(
            customer.id, remember=values["remember"], user_agent=user_agent,
            current_token=current_token))

    def log_out(self, token: str | None) -> None:
        self.uow.sessions.end(token)
