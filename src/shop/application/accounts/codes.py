"""One-time codes: issue one (rate-limited), check a guess, use it up.

A code is 6 digits for SMS and email (10 minutes, five wrong guesses), or a long random token in
a password-reset link (30 minutes). Only a SHA-256 bound to the code's purpose and address is
stored; a 6-digit code could be found from its hash by trying them all, so the hash protects old
rows in a backup, and the short life and the guess limit protect the live one. Only the newest
code counts: asking again ends every earlier live code of the same purpose sent to that address
or acting for that account, reset links included (a link is looked up by its token, so it would
otherwise stay usable beside a newer one).

Rate limits count requests, not accounts: every request is counted (``code:send:…`` keys of the
shop's throttle) and makes a row, also for an address that cannot be used, so the answers never
tell whether an account exists. A wrong guess is counted on the code even when the caller rolls
its transaction back (``security.rollback_proof``), and before a parallel guess at the same
address is checked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.security.rollback_proof import write_rollback_proof
from shop.application.security.throttle import Limit, Rule, Throttle
from shop.data.models import OneTimeCode
from shop.data.repositories.one_time_codes import CodeRecord, OneTimeCodeRepository
from shop.data.repositories.throttle import ThrottleRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

CODE_LIFETIME = timedelta(minutes=10)
LINK_LIFETIME = timedelta(minutes=30)
MAX_WRONG_GUESSES = 5
#: Per address (any purpose): one a minute, ten a day.
PER_DESTINATION = (Limit(1, timedelta(seconds=60)), Limit(10, timedelta(days=1)))
#: Per visitor address: enough for a household or an office behind one address.
PER_IP = (Limit(20, timedelta(hours=1)),)

WRONG_CODE = _("The code is wrong or has expired")


def _wait_message(seconds: int, minutes: int) -> object:
    return _("A code was sent recently; you can ask for another in ${seconds} seconds",
             mapping={"seconds": seconds})


def code_hash(purpose: str, destination: str, code: str) -> str:
    return hashlib.sha256(f"{purpose}\0{destination}\0{code}".encode()).hexdigest()


def link_hash(purpose: str, token: str) -> str:
    return hashlib.sha256(f"{purpose}\0{token}".encode()).hexdigest()


class OneTimeCodes:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = OneTimeCodeRepository(uow._session)

    def issue(self, purpose: str, channel: str, destination: str, *,
              customer_id: int | None = None, link: bool = False) -> str:
        """A new code (or link token) for ``destination``; raises ``Throttled`` when too soon."""
        now = self.uow.clock.now()
        rules = self._send_rules(destination)
        throttle = Throttle(self.uow)
        throttle.refuse_if_reached(rules, _wait_message)
        # Counted with the code: a request whose work rolls back sent nothing.
        throttle.count(rules)
        if link:
            secret = secrets.token_urlsafe(32)
            digest, lifetime = link_hash(purpose, secret), LINK_LIFETIME
        else:
            secret = f"{secrets.randbelow(1_000_000):06d}"
            digest, lifetime = code_hash(purpose, destination, secret), CODE_LIFETIME
        self.repo.end_live(purpose, now, destination=destination, customer_id=customer_id)
        self.repo.add(OneTimeCode(
            purpose=purpose, channel=channel, destination=destination, customer_id=customer_id,
            code_hash=digest, created_at=now, expires_at=now + lifetime, attempts=0,
            ip=self.uow.client_ip))
        return secret

    def _send_rules(self, destination: str) -> list[Rule]:
        rules = [Rule(f"code:send:destination:{destination}", limit, "destination")
                 for limit in PER_DESTINATION]
        if self.uow.client_ip:
            rules += [Rule(f"code:send:ip:{self.uow.client_ip}", limit, "ip")
                      for limit in PER_IP]
        return rules

    def check(self, purpose: str, destination: str, code: str, *,
              field: str = "code") -> CodeRecord:
        """The live code ``code`` of ``destination``, not yet used up; a wrong guess counts on
        the code, whether or not the caller commits.

        Parallel guesses at one address wait for each other (as throttled tries do, see
        ``Throttle``), so each sees the wrong guesses counted before it: without this, every one
        of a burst of guesses passed the check of the code's five before any was counted.
        """
        ThrottleRepository(self.uow._session).serialize([f"code:check:{purpose}:{destination}"])
        row = self.repo.latest(purpose, destination)
        self._alive(row, field)
        assert row is not None
        if not hmac.compare_digest(row.code_hash, code_hash(purpose, destination, code)):
            write_rollback_proof(self.uow, _WrongGuess(row.id))
            raise Invalid({field: WRONG_CODE})
        return row

    def check_link(self, purpose: str, token: str, *, field: str = "token") -> CodeRecord:
        """The live link token ``token`` (a guess is hopeless, so guesses are not counted)."""
        row = self.repo.by_hash(purpose, link_hash(purpose, token))
        self._alive(row, field)
        assert row is not None
        return row

    def use(self, row: CodeRecord, *, field: str = "code") -> None:
        """Use the checked code up; a second request with the same code loses here."""
        if not self.repo.use(row.id, self.uow.clock.now(), MAX_WRONG_GUESSES):
            raise Invalid({field: WRONG_CODE})

    def end_all(self, purpose: str, customer_id: int) -> int:
        """End every live code of ``purpose`` acting for the account (its password changed, so
        an older reset link or code must not change it again)."""
        return self.repo.end_live(purpose, self.uow.clock.now(), customer_id=customer_id)

    def _alive(self, row: CodeRecord | None, field: str) -> None:
        if row is None or row.used_at is not None or row.expires_at <= self.uow.clock.now():
            raise Invalid({field: WRONG_CODE})
        if row.attempts >= MAX_WRONG_GUESSES:
            raise Invalid({field: _("This code was tried too often; ask for a new one")})


@dataclass(frozen=True)
class _WrongGuess:
    """One more wrong guess on a code (a rollback-proof write)."""

    code_id: int

    def __call__(self, uow: UnitOfWork) -> None:
        OneTimeCodeRepository(uow._session).count_wrong_guess(self.code_id, MAX_WRONG_GUESSES)
