"""The shopper accounts store: what the account use cases and OAuth share, kept off the facade.

Making an account, asking whether an address is taken and finding the account behind a login
name are steps of use cases, not use cases: each one alone skips a rule (``new_customer`` takes
any email it is given; ``address_taken`` tells who is registered). So they live here, where the
registration, login, recovery and profile modules and the OAuth service reach them, and no unit
of work offers them to its caller.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from shop.application.actors import ANONYMOUS, Actor, Permission
from shop.application.errors import Conflict
from shop.data.models import Customer
from shop.data.repositories.accounts import CustomerRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Referral codes avoid letters and digits people confuse (0/O, 1/I/L) when read aloud.
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERRAL_LENGTH = 8
SHOPPER_PERMISSIONS = frozenset({Permission.ACCOUNT_SELF.value})


class CustomerAccounts:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = CustomerRepository(uow._session)

    def actor_for(self, customer_id: int) -> Actor:
        """The shopper acting with this account; a deactivated one acts as anonymous."""
        customer = self.repo.get(customer_id)
        if customer is None or not customer.is_active:
            return ANONYMOUS
        return Actor(kind="shopper", name=f"customer:{customer.id}", id=customer.id,
                     permissions=SHOPPER_PERMISSIONS)

    def new_customer(self, *, email: str | None = None, mobile: str | None = None,
                     username: str | None = None, password_hash: str | None = None,
                     name: str = "", referred_by_id: int | None = None) -> Customer:
        """Insert an account with a fresh referral code. Callers validate and normalize first.

        Raises ``Conflict`` when the email, mobile or username was taken meanwhile (nothing is
        written, and the transaction stays usable).
        """
        customer = Customer(email=email, mobile=mobile, username=username,
                            password_hash=password_hash, name=name,
                            referral_code=self._unused_referral_code(),
                            referred_by_id=referred_by_id, locale=self.uow.locale)
        if not self.repo.add_unless_taken(customer):
            raise Conflict("that email, mobile number or username already has an account")
        return customer

    def registered(self, customer: Customer) -> None:
        """Everything that follows a new account, in the registration's transaction.

        It records the fact in the audit log and the ``customer.registered`` event; other
        domains react to the event after commit (rewards grants the registration gift). The
        referrer's reward waits for the new account's first paid order.
        """
        self.uow._events.record("customer.registered", {"customer_id": customer.id})
        self.uow._audit.record("accounts.customer.register", "customer", customer.id, after={
            "email": customer.email, "mobile": customer.mobile,
            "referred_by_id": customer.referred_by_id,
            "profile_completed": customer.profile_completed})

    def address_taken(self, kind: str, address: str) -> bool:
        """Whether an account already has this mobile number or email address."""
        found = self.repo.by_mobile(address) if kind == "mobile" else self.repo.by_email(address)
        return found is not None

    def _unused_referral_code(self) -> str:
        while True:
            code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))
            if self.repo.by_referral_code(code) is None:
                return code
