"""Password recovery (密码找回): a link by email or a code by SMS, then a new password.

Asking answers the same for any address; only an address with an active account is sent
anything (an unknown mobile number is never texted). Using the link or code sets the new
password and ends every login session of the account, wherever it is, and every other reset
link or code of the account; so does a password change (``profile``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shop.application.accounts.codes import (
    CODE_LIFETIME,
    LINK_LIFETIME,
    WRONG_CODE,
    OneTimeCodes,
)
from shop.application.accounts.messages import render
from shop.application.accounts.read_models import CodeSent
from shop.application.accounts.schemas import (
    NewPasswordSchema,
    ResetByCodeSchema,
    ResetRequestSchema,
    looks_like_phone,
)
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.mobile import mainland_mobile
from shop.application.security.passwords import check_new_password
from shop.application.sessions.service import LoginSessions
from shop.application.validation import validate
from shop.data.models import Customer
from shop.data.repositories.one_time_codes import CodeRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.accounts.customers import CustomerAccounts

PURPOSE = "reset"
#: Where a reset link opens; the storefront's ``reset_link`` route serves this path.
LINK_PATH = "/account/reset/{token}"
IDENTIFIER_MESSAGE = _("Enter your email address or mobile number")
LINK_GONE = _("This link has expired or was already used; ask for a new one")


def personal_facts(customer: Customer) -> tuple[str, ...]:
    """What a new password must not contain: the person's name, email and phone."""
    return tuple(filter(None, (customer.name, customer.username, customer.email,
                               (customer.email or "").split("@")[0],
                               (customer.mobile or "").removeprefix("+86"))))


class Recovery:
    def __init__(self, uow: UnitOfWork, customers: CustomerAccounts) -> None:
        self.uow = uow
        self.customers = customers
        self.codes = OneTimeCodes(uow)

    def request_reset(self, data: dict[str, Any]) -> CodeSent:
        identifier = validate(ResetRequestSchema(), data)["identifier"]
        repo = self.customers.repo
        if "@" in identifier:
            kind, address = "email", identifier.lower()
            customer = repo.by_email(address)
        elif looks_like_phone(identifier) and (mobile := mainland_mobile(identifier)):
            kind, address = "mobile", mobile
            customer = repo.by_mobile(address)
        else:
            raise Invalid({"identifier": IDENTIFIER_MESSAGE})
        if customer is not None and not customer.is_active:
            customer = None
        secret = self.codes.issue(PURPOSE, "email" if kind == "email" else "sms", address,
                                  customer_id=customer.id if customer else None,
                                  link=kind == "email")
        # On the configured public address, whatever host the request named; built for unknown
        # addresses too, so that a shop missing the setting fails alike for every address.
        link = self.uow.shop.link(LINK_PATH.format(token=secret)) if kind == "email" else ""
        if customer is not None:
            locale = customer.locale or self.uow.locale
            if kind == "email":
                text = render("reset_link", locale, link=link,
                              minutes=int(LINK_LIFETIME.total_seconds() // 60))
            else:
                text = render("reset_code", locale, code=secret,
                              minutes=int(CODE_LIFETIME.total_seconds() // 60))
            self.uow._outbox.queue("email" if kind == "email" else "sms", address,
                                  text.subject, text.body)
        return CodeSent(kind, address)

    def check_link(self, token: str) -> None:
        row = self.codes.check_link(PURPOSE, token)
        if row.customer_id is None:
            raise Invalid({"token": LINK_GONE})

    def reset_with_link(self, token: str, data: dict[str, Any]) -> None:
        password = validate(NewPasswordSchema(), data)["password"]
        try:
            row = self.codes.check_link(PURPOSE, token)
        except Invalid:
            raise Invalid({"token": LINK_GONE}) from None
        self._reset(row, password, field="token")

    def reset_with_code(self, data: dict[str, Any]) -> None:
        values = validate(ResetByCodeSchema(), data)
        row = self.codes.check(PURPOSE, values["mobile"], values["code"])
        self._reset(row, values["password"], field="code")

    def _reset(self, row: CodeRecord, password: str, *, field: str) -> None:
        customer = self.customers.repo.get(row.customer_id) if row.customer_id else None
        if customer is None or not customer.is_active:
            raise Invalid({field: LINK_GONE if field == "token" else WRONG_CODE})
        check_new_password(password, personal=personal_facts(customer))
        self.codes.use(row, field=field)
        self.codes.end_all(PURPOSE, customer.id)  # the other channel's link or code too
        customer.password_hash = self.uow.shop.passwords.hash(password)
        ended = LoginSessions(self.uow).end_all("customer", customer.id)
        self.uow._audit.record("accounts.password.reset", "customer", customer.id,
                              after={"channel": row.channel, "sessions_ended": ended})
