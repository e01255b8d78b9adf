"""Coupon codes: 10 characters of the gift cards' 32-letter alphabet without look-alikes (no
0/O, no 1/I), drawn with ``secrets``: 50 random bits, so a typed guess finds one of a million
issued codes about once in a billion tries, and the guess throttle stops a guesser long before.

A code is normalised the same way wherever it is typed (spaces and dashes dropped, upper case),
so ``abcd-efgh 23`` finds ``ABCDEFGH23``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Collection

# The gift cards' alphabet and normalisation: one definition of what a typed code is.
from shop.application.payments.giftcards import CODE_ALPHABET, normalize_code

CODE_LENGTH = 10
#: A typed public code (staff choose it): letters and digits, 4 to 20 of them.
PUBLIC_CODE = re.compile(r"[A-Z0-9]{4,20}")

__all__ = ["CODE_LENGTH", "PUBLIC_CODE", "draw_code", "draw_codes", "looks_like_code",
           "normalize_code"]


def draw_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def draw_codes(count: int, taken: Callable[[list[str]], Collection[str]]) -> list[str]:
    """``count`` distinct new codes; ``taken`` says which of a draw exist already (one query
    per round, and a second round only after a collision, which 50 bits make rare)."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {draw_code() for _ in range(count - len(codes))} - codes
        codes.update(wanted - set(taken(sorted(wanted))))
    return sorted(codes)


def looks_like_code(code: str) -> bool:
    """Whether a normalised text could be an issued code (what need not reach the database)."""
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)
