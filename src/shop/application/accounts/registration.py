"""Registration (注册): prove an address with a code, then create the account.

Quick registration (快速注册) is a mobile number, its SMS code and a password; full registration
(完整注册) adds name, gender and birthday, which marks the profile complete. An email address
works the same way with a code by email. Asking for a code answers the same whether or not the
address already has an account: a taken address gets a "you already have an account" notice
instead of a code, so nobody learns from the page who is registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shop.application.accounts.codes import CODE_LIFETIME, OneTimeCodes
from shop.application.accounts.messages import render
from shop.application.accounts.read_models import CodeSent, SignedIn
from shop.application.accounts.schemas import AddressSchema, RegistrationSchema, validated_address
from shop.application.errors import Conflict, Invalid
from shop.application.i18n import _
from shop.application.security.passwords import check_new_password
from shop.application.sessions.service import LoginSessions
from shop.application.validation import validate

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.accounts.customers import CustomerAccounts

PURPOSE = "register"
CHANNEL = {"mobile": "sms", "email": "email"}
TAKEN = _("This address already has an account; log in or reset your password")


class Registration:
    def __init__(self, uow: UnitOfWork, customers: CustomerAccounts) -> None:
        self.uow = uow
        self.customers = customers
        self.codes = OneTimeCodes(uow)

    def request_code(self, data: dict[str, Any]) -> CodeSent:
        """Send a registration code to a mobile number or an email address."""
        kind, address = validated_address(validate(AddressSchema(), data))
        code = self.codes.issue(PURPOSE, CHANNEL[kind], address)
        if self.customers.address_taken(kind, address):
            text = render("register_taken", self.uow.locale)
        else:
            text = render("register_code", self.uow.locale, code=code,
                          minutes=int(CODE_LIFETIME.total_seconds() // 60))
        self.uow._outbox.queue(CHANNEL[kind], address, text.subject, text.body)
        return CodeSent(kind, address)

    def register(self, data: dict[str, Any], *, user_agent: str | None = None,
                 current_token: str | None = None) -> SignedIn:
        """Create the account from a valid code and sign it in (a fresh session token)."""
        values = validate(RegistrationSchema().bind(today=self.uow.clock.now().date()), data)
        kind, address = validated_address(values)
        row = self.codes.check(PURPOSE, address, values["code"])
        check_new_password(values["password"], personal=(values["name"], address,
                                                         address.split("@")[0],
                                                         address.removeprefix("+86")))
        self.codes.use(row)
        # The visitor holds the address now (the code proved it), so telling them it is taken
        # reveals nothing they could not learn from their own inbox.
        if self.customers.address_taken(kind, address):
            raise Invalid({kind: TAKEN})
        referrer = self.customers.repo.by_referral_code(values["ref"].upper()) \
            if values["ref"] else None
        try:
            customer = self.customers.new_customer(
                **{kind: address}, password_hash=self.uow.shop.passwords.hash(values["password"]),
                name=values["name"], referred_by_id=referrer.id if referrer else None)
        except Conflict:
            raise Invalid({kind: TAKEN}) from None
        now = self.uow.clock.now()
        setattr(customer, f"{kind}_verified_at", now)
        customer.gender, customer.birthday = values["gender"], values["birthday"]
        customer.profile_completed = bool(values["name"] and values["gender"]
                                          and values["birthday"])
        self.customers.registered(customer)
        return SignedIn(customer.id, LoginSessions(self.uow).begin(
            "customer", customer.id, user_agent=user_agent, replacing=current_token))
