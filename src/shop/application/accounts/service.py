"""Shopper account use cases: the facade views, scripts and integrators call (``uow.accounts``).

Each use case lives in a small module (registration, login, recovery, profile) that is handed
the unit of work and the accounts store (``customers.CustomerAccounts``), never this facade: so
nothing but the use cases below is reachable from a unit of work.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from shop.application.accounts.customers import CustomerAccounts
from shop.application.accounts.levels import MemberStanding
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
from shop.application.sessions.service import SessionGrant

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.actors import Actor


class AccountService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._customers = CustomerAccounts(uow)

    def actor_for(self, customer_id: int) -> Actor:
        """The shopper behind a session, or for a script acting on a shopper's behalf; a
        deactivated account acts as anonymous."""
        return self._customers.actor_for(customer_id)

    # -- the use cases ---------------------------------------------------------------------

    @cached_property
    def _registration(self) -> Registration:
        return Registration(self.uow, self._customers)

    @cached_property
    def _authentication(self) -> Authentication:
        return Authentication(self.uow, self._customers)

    @cached_property
    def _recovery(self) -> Recovery:
        return Recovery(self.uow, self._customers)

    @cached_property
    def _profile(self) -> Profile:
        return Profile(self.uow, self._customers)

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

    def request_password_reset(self, data: dict[str, Any]) -> CodeSent:
        """``{"identifier": email or mobile}``: a link by email (on ``shop.public_url``) or a
        code by SMS."""
        return self._recovery.request_reset(data)

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

    def standing(self) -> MemberStanding:
        """The signed-in shopper's member level (会员等级), their last year's spending, and
        what more reaches the next level."""
        return self._profile.standing()

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
