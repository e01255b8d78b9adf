"""Shopper account use cases: the facade views, scripts and integrators call (``uow.accounts``).

Each use case lives in a small module (registration, login, recovery, profile); this class
hands them out under one name and keeps what they share: the customer repository, making an
account, starting a login session, and ``after_registration``, the hook other domains extend.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shop.application.accounts.login import Authentication
from shop.application.accounts.profile import Profile
from shop.application.accounts.read_models import (
    AccountBadge,
    CodeSent,
    ProfileView,
    SignedIn,
)
from shop.application.accounts.recovery import Recovery
from shop.application.accounts.registration import Registration
from shop.application.actors import ANONYMOUS, Actor, Permission
from shop.application.errors import Conflict
from shop.application.sessions.service import SessionGrant
from shop.data.models import Customer
from shop.data.repositories.accounts import CustomerRepository

if TYPE_CHECKING:
    from collections.abc import Callable

    from shop.application import UnitOfWork

#: Referral codes avoid letters and digits people confuse (0/O, 1/I/L) when read aloud.
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERRAL_LENGTH = 8
SHOPPER_PERMISSIONS = frozenset({Permission.ACCOUNT_SELF.value})


class AccountService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = CustomerRepository(uow.session)

    def actor_for(self, customer_id: int) -> Actor:
        """The shopper behind a session; a deactivated account acts as anonymous."""
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

    def address_taken(self, kind: str, address: str) -> bool:
        """Whether an account already has this mobile number or email address."""
        found = self.repo.by_mobile(address) if kind == "mobile" else self.repo.by_email(address)
        return found is not None

    def _unused_referral_code(self) -> str:
        while True:
            code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))
            if self.repo.by_referral_code(code) is None:
                return code

    def after_registration(self, customer: Customer) -> None:
        """Everything that follows a new account, in the registration's transaction.

        It records the fact in the audit log and the ``customer.registered`` event; other
        domains react to the event after commit (rewards grants the registration gift). The
        referrer's reward waits for the new account's first paid order.
        """
        self.uow.events.record("customer.registered", {"customer_id": customer.id})
        self.uow.audit.record("accounts.customer.register", "customer", customer.id, after={
            "email": customer.email, "mobile": customer.mobile,
            "referred_by_id": customer.referred_by_id,
            "profile_completed": customer.profile_completed})

    def start_session(self, customer_id: int, *, remember: bool, user_agent: str | None,
                      current_token: str | None) -> SessionGrant:
        """A fresh login session; the visitor's earlier token (if any) stops working."""
        self.uow.sessions.end(current_token)
        return self.uow.sessions.start("customer", customer_id, remember=remember,
                                       ip=self.uow.client_ip, user_agent=user_agent)

    # -- the use cases ---------------------------------------------------------------------

    @cached_property
    def _registration(self) -> Registration:
        return Registration(self)

    @cached_property
    def _authentication(self) -> Authentication:
        return Authentication(self)

    @cached_property
    def _recovery(self) -> Recovery:
        return Recovery(self)

    @cached_property
    def _profile(self) -> Profile:
        return Profile(self)

    def request_registration_code(self, data: dict[str, Any]) -> CodeSent:
        """Step one of registering: a code to ``{"mobile": …}`` or ``{"email": …}``."""
        return self._registration.request_code(data)

    def register(self, data: dict[str, Any], *, user_agent: str | None = None,
                 current_token: str | None = None) -> SignedIn:
        """Step two: address, code, password (+ name, gender, birthday, ref); signs in."""
        return self._registration.register(data, user_agent=user_agent,
                                           current_token=current_token)

    def log_in(self, data: dict[str, Any], *, user_agent: str | None = None,
               current_token: str | None = None) -> SignedIn:
        """``{"identifier": email/mobile/username, "password": …, "remember": bool}``."""
        return self._authentication.log_in(data, user_agent=user_agent,
                                           current_token=current_token)

    def log_out(self, token: str | None) -> None:
        self._authentication.log_out(token)

    def request_password_reset(self, data: dict[str, Any], *,
                               link_for: Callable[[str], str] | None = None) -> CodeSent:
        """``{"identifier": email or mobile}``: a link by email or a code by SMS."""
        return self._recovery.request_reset(data, link_for=link_for)

    def check_reset_link(self, token: str) -> None:
        """Raises ``Invalid`` unless the reset link ``token`` can still be used."""
        self._recovery.check_link(token)

    def reset_password_with_link(self, token: str, data: dict[str, Any]) -> None:
        self._recovery.reset_with_link(token, data)

    def reset_password_with_code(self, data: dict[str, Any]) -> None:
        self._recovery.reset_with_code(data)

    def badge(self) -> AccountBadge | None:
        """The signed-in shopper's name for the page header; None for anyone else."""
        return self._profile.badge()

    def profile(self) -> ProfileView:
        return self._profile.view()

    def update_profile(self, data: dict[str, Any]) -> ProfileView:
        return self._profile.update(data)

    def change_password(self, data: dict[str, Any], *,
                        current_token: str | None) -> SessionGrant | None:
        """Ends the shopper's other sessions and returns a new token for this one."""
        return self._profile.change_password(data, current_token=current_token)

    def request_contact_change(self, data: dict[str, Any]) -> CodeSent:
        return self._profile.request_contact_change(data)

    def confirm_contact_change(self, data: dict[str, Any]) -> ProfileView:
        return self._profile.confirm_contact_change(data)
