"""Passwords: argon2id hashes, rehash when the parameters change, and a policy for new ones.

The common-password list is Django's (BSD licence; compiled by Royce Williams from leaked
passwords), bundled so the check never needs the network.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from functools import cache, cached_property
from importlib.resources import files
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shop.application.errors import Invalid
from shop.application.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 128
#: OWASP's minimum for argon2id is m=19 MiB, t=2, p=1; the default here is RFC 9106's
#: second recommendation (64 MiB, t=3, p=4). Settings may raise them, never go below OWASP's.
OWASP_MIN = {"memory_kib": 19 * 1024, "time_cost": 2, "parallelism": 1}
DEFAULTS = {"memory_kib": 64 * 1024, "time_cost": 3, "parallelism": 4}


def hasher_from_settings(settings: Mapping[str, Any]) -> PasswordHasher:
    params = {key: max(int(settings.get(f"shop.argon2.{key}", DEFAULTS[key])), OWASP_MIN[key])
              for key in DEFAULTS}
    return PasswordHasher(time_cost=params["time_cost"], memory_cost=params["memory_kib"],
                          parallelism=params["parallelism"])


@cache
def common_passwords() -> frozenset[str]:
    data = files(__package__).joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def check_new_password(password: str, *, field: str = "password",
                       personal: tuple[str, ...] = ()) -> None:
    """Refuse a weak new password (too short, too common, the user's own name), naming ``field``."""
    if len(password) < MIN_LENGTH:
        raise Invalid({field: _("Use at least ${min} characters", mapping={"min": MIN_LENGTH})})
    if len(password) > MAX_LENGTH:
        raise Invalid({field: _("Use at most ${max} characters", mapping={"max": MAX_LENGTH})})
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) < 4:
        raise Invalid({field: _("This password is too common; choose another")})
    if any(p and len(p) >= 4 and p.lower() in lowered for p in personal):
        raise Invalid({field: _("The password must not contain your name, email or phone")})


class Passwords:
    """Hash and verify with one hasher; a dummy hash keeps unknown accounts as slow as known."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher

    @cached_property
    def _dummy(self) -> str:
        return self.hasher.hash("not a real password, only for timing")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches; an account without a hash costs the same time."""
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
