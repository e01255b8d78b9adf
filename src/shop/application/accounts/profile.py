"""The signed-in shopper's own account (信息管理): details, password, email and mobile.

Every method acts on the actor's own account, found from the actor and never from the input,
so one shopper can neither read nor change another's. A new email or mobile number is stored
only after the code sent to it comes back; a taken address gets the same answer as a free one.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shop.application.accounts.codes import CODE_LIFETIME, WRONG_CODE, OneTimeCodes
from shop.application.accounts.levels import WINDOW, MemberStanding, standing
from shop.application.accounts.messages import render
from shop.application.accounts.read_models import (
    AccountBadge,
    CodeSent,
    ProfileView,
    masked_mobile,
)
from shop.application.accounts.recovery import PURPOSE as RESET
from shop.application.accounts.recovery import personal_facts
from shop.application.accounts.schemas import (
    AddressSchema,
    ChangePasswordSchema,
    ContactChangeSchema,
    ProfileSchema,
    validated_address,
)
from shop.application.actors import Permission
from shop.application.errors import Forbidden, Invalid
from shop.application.i18n import _
from shop.application.security.passwords import check_new_password
from shop.application.security.throttle import Limit, LockAudit, Rule, Throttle
from shop.application.sessions.service import LoginSessions, SessionGrant
from shop.application.validation import validate
from shop.data.models import Customer
from shop.data.repositories.ordering import OrderRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.accounts.customers import CustomerAccounts

CHANNEL = {"mobile": "sms", "email": "email"}
#: Wrong current passwords a signed-in shopper may give in a while (as many as at login).
PASSWORD_CHECKS = Limit(5, timedelta(minutes=15))
PROFILE_FIELDS = ("name", "gender", "birthday")


def display_name(customer: Customer) -> str:
    if customer.name:
        return customer.name
    if customer.username:
        return customer.username
    if customer.mobile:
        return masked_mobile(customer.mobile)
    return (customer.email or "").split("@")[0]


def profile_view(customer: Customer) -> ProfileView:
    return ProfileView(customer.id, display_name(customer), customer.name, customer.email,
                       customer.mobile, customer.gender, customer.birthday,
                       customer.profile_completed, customer.referral_code, customer.created_at)


class Profile:
    def __init__(self, uow: UnitOfWork, customers: CustomerAccounts) -> None:
        self.uow = uow
        self.customers = customers

    def _me(self) -> Customer:
        """The acting shopper's account; anyone else (staff, scripts, anonymous) is refused."""
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        customer = self.customers.repo.get(actor.id) if actor.kind == "shopper" and actor.id \
            else None
        if customer is None or not customer.is_active:
            raise Forbidden(f"{actor.name} has no shopper account of its own")
        return customer

    def badge(self) -> AccountBadge | None:
        actor = self.uow.actor
        if actor.kind != "shopper" or actor.id is None:
            return None
        # Already loaded by ``actor_for`` in this unit of work: no second query.
        customer = self.customers.repo.get(actor.id)
        return AccountBadge(customer.id, display_name(customer)) if customer else None

    def view(self) -> ProfileView:
        return profile_view(self._me())

    def standing(self) -> MemberStanding:
        """The shopper's member level and what the next one asks."""
        customer = self._me()
        _kept, spend = OrderRepository(self.uow._session).standing(
            customer.id, self.uow.clock.now() - WINDOW)
        return standing(spend, self.uow.settings.current().level_thresholds)

    def update(self, data: dict[str, Any]) -> ProfileView:
        customer = self._me()
        values = validate(ProfileSchema().bind(today=self.uow.clock.now().date()), data)
        before = {name: getattr(customer, name) for name in PROFILE_FIELDS}
        for name in PROFILE_FIELDS:
            setattr(customer, name, values[name])
        customer.profile_completed = all(values[name] for name in PROFILE_FIELDS)
        self.uow._audit.record("accounts.profile.update", "customer", customer.id,
                              before=before, after={n: values[n] for n in PROFILE_FIELDS})
        return profile_view(customer)

    def change_password(self, data: dict[str, Any], *,
                        current_token: str | None) -> SessionGrant | None:
        """Check the current password, set the new one, end every other session, and give
        this one a new token (returned for the cookie)."""
        customer = self._me()
        values = validate(ChangePasswordSchema(), data)
        passwords = self.uow.shop.passwords
        # Someone at an unattended, signed-in browser could guess here: throttled like login,
        # in a namespace of its own (no login name can collide with it).
        throttle = Throttle(self.uow)
        rules = [Rule(f"password-check:customer:{customer.id}", PASSWORD_CHECKS, "password")]
        throttle.refuse_if_reached(rules)
        if not passwords.verify(customer.password_hash, values["current_password"]):
            throttle.count_failure(rules, LockAudit("accounts.password.locked", "customer",
                                                    customer.id))
            raise Invalid({"current_password": _("The current password is wrong")})
        throttle.clear(rules)
        check_new_password(values["new_password"], field="new_password",
                           personal=personal_facts(customer))
        customer.password_hash = passwords.hash(values["new_password"])
        # A reset link asked for earlier (perhaps by whoever knew the old password) dies now.
        self.codes.end_all(RESET, customer.id)
        sessions = LoginSessions(self.uow)
        ended = sessions.end_all("customer", customer.id, except_token=current_token)
        self.uow._audit.record("accounts.password.change", "customer", customer.id,
                              after={"other_sessions_ended": ended})
        return sessions.rotate(current_token) if current_token else None

    def request_contact_change(self, data: dict[str, Any]) -> CodeSent:
        """Send a code to a new email or mobile number; nothing is changed yet."""
        customer = self._me()
        kind, address = validated_address(validate(AddressSchema(), data))
        if getattr(customer, kind) == address:
            raise Invalid({kind: _("This is already your address")})
        code = self.codes.issue(f"change_{kind}", CHANNEL[kind], address,
                                customer_id=customer.id)
        if not self.customers.address_taken(kind, address):
            text = render("change_code", customer.locale or self.uow.locale, code=code,
                          minutes=int(CODE_LIFETIME.total_seconds() // 60))
            self.uow._outbox.queue(CHANNEL[kind], address, text.subject, text.body)
        return CodeSent(kind, address)

    def confirm_contact_change(self, data: dict[str, Any]) -> ProfileView:
        customer = self._me()
        values = validate(ContactChangeSchema(), data)
        kind, address = validated_address(values)
        if not values["code"]:
            raise Invalid({"code": _("Enter the code we sent")})
        row = self.codes.check(f"change_{kind}", address, values["code"])
        if row.customer_id != customer.id:
            raise Invalid({"code": WRONG_CODE})
        self.codes.use(row)
        old = getattr(customer, kind)
        if not self.customers.repo.change_unless_taken(
                customer, **{kind: address, f"{kind}_verified_at": self.uow.clock.now()}):
            # They hold the address (the code proved it), so saying so tells them nothing new.
            raise Invalid({kind: _("This address cannot be used for your account")})
        # A reset link or code sent to the old address (perhaps to whoever holds it now) would
        # take the account back: every one of them ends with the move.
        self.codes.end_all(RESET, customer.id)
        self.uow._audit.record(f"accounts.{kind}.change", "customer", customer.id,
                              before={kind: old}, after={kind: address})
        if kind == "email" and old:
            text = render("contact_changed", customer.locale or self.uow.locale,
                          what=kind, new=address)
            self.uow._outbox.queue("email", old, text.subject, text.body)
        return profile_view(customer)

    @cached_property
    def codes(self) -> OneTimeCodes:
        return OneTimeCodes(self.uow)
