"""What the account use cases hand back: plain frozen data, never an ORM object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from shop.application.sessions.service import SessionGrant


@dataclass(frozen=True)
class CodeSent:
    """The answer to "send me a code": the same whether or not the address has an account."""

    channel: str  # "mobile" or "email"
    destination: str  # the normalized address, for the next form


@dataclass(frozen=True)
class SignedIn:
    """A login session was started: presentation sets the cookie from ``grant``."""

    customer_id: int
    grant: SessionGrant


@dataclass(frozen=True)
class AccountBadge:
    """What the page header shows for a signed-in shopper."""

    customer_id: int
    display_name: str


@dataclass(frozen=True)
class ProfileView:
    id: int
    display_name: str
    name: str
    email: str | None
    mobile: str | None
    gender: str | None
    birthday: date | None
    profile_completed: bool
    referral_code: str
    created_at: datetime


def masked_mobile(mobile: str) -> str:
    """+8613800138000 → 138****8000: enough to recognize, not enough to call."""
    digits = mobile.removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else digits
