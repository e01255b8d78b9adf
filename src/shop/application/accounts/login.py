"""Logging in and out, with throttling that never tells whether an account exists.

Every failed password check is counted (``security.throttle``) under three keys: what was typed
(``login:identifier:…``), the account it names (``login:account:<id>``, so that its email, mobile
and username share one budget of guesses) and the visitor's address (``login:ip:…``). Five
failures on an identifier or an account within fifteen minutes lock it for fifteen minutes;
thirty from one address lock the address. Unknown identifiers count and lock exactly like known
ones, and ``Passwords.verify`` spends the same time on them, so neither the message, the lock nor
the timing tells an account apart from none. A failure is counted even when the caller rolls its
transaction back; locks expire by themselves, and each is written to the audit log when it
begins.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shop.application.accounts.read_models import SignedIn
from shop.application.accounts.schemas import LoginSchema, normalize_login
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.security.throttle import Limit, LockAudit, Rule, Throttle
from shop.application.sessions.service import LoginSessions
from shop.application.validation import validate

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.accounts.customers import CustomerAccounts

PER_IDENTIFIER = Limit(5, timedelta(minutes=15))
PER_ACCOUNT = Limit(5, timedelta(minutes=15))
PER_IP = Limit(30, timedelta(minutes=15))
WRONG = _("The email/phone or password is wrong")


def _locked_message(seconds: int, minutes: int) -> object:
    return _("Too many failed logins; try again in ${minutes} minutes",
             mapping={"minutes": minutes})


def login_rules(identifier: str, customer_id: int | None, ip: str | None) -> list[Rule]:
    """What one login try counts against: the name typed, the account it names, the address."""
    rules = [Rule(f"login:identifier:{identifier}", PER_IDENTIFIER, "identifier")]
    if customer_id is not None:
        rules.append(Rule(f"login:account:{customer_id}", PER_ACCOUNT, "account"))
    if ip:
        rules.append(Rule(f"login:ip:{ip}", PER_IP, "ip"))
    return rules


class Authentication:
    def __init__(self, uow: UnitOfWork, customers: CustomerAccounts) -> None:
        self.uow = uow
        self.customers = customers
        self.throttle = Throttle(uow)

    def log_in(self, data: dict[str, Any], *, user_agent: str | None = None,
               current_token: str | None = None) -> SignedIn:
        """Check the password and start a session with a new token.

        A wrong password raises ``Invalid``, a locked identifier, account or address
        ``Throttled``; the failure stays counted whether or not the caller commits.
        """
        values = validate(LoginSchema(), data)
        identifier = normalize_login(values["identifier"])[:254]
        customer = self.customers.repo.by_login(identifier)
        rules = login_rules(identifier, customer.id if customer else None, self.uow.client_ip)
        self.throttle.refuse_if_reached(rules, _locked_message)
        passwords = self.uow.shop.passwords
        stored = customer.password_hash if customer is not None else None
        matches = passwords.verify(stored, values["password"])
        if customer is None or not matches or not customer.is_active:
            self.throttle.count_failure(rules, LockAudit(
                "accounts.login.locked", "customer", customer.id if customer else None,
                {"identifier": identifier}))
            raise Invalid({"password": WRONG})
        # The right password clears what it proved: this name and this account (not the address).
        self.throttle.clear(rule for rule in rules if rule.scope != "ip")
        if stored and passwords.needs_rehash(stored):
            customer.password_hash = passwords.hash(values["password"])
        return SignedIn(customer.id, LoginSessions(self.uow).begin(
            "customer", customer.id, remember=values["remember"], user_agent=user_agent,
            replacing=current_token))

    def log_out(self, token: str | None) -> None:
        self.uow.sessions.end(token)
