"""The unified social credit code (统一社会信用代码, GB 32100-2015): a company's tax number.

Eighteen characters from a 31-character alphabet (no I, O, S, V or Z):

====  ===================================================================
1     registration authority (9 工商, 5 民政, 1 机构编制 … A, N, Y)
2     organisation type under that authority
3-8   region code of the registering office (GB/T 2260, digits)
9-17  organisation code (GB 11714): eight characters and their own check
18    check character over characters 1-17 (GB/T 17710 MOD 31-3)
====  ===================================================================

The weight of position *i* is 3^(i-1) mod 31: 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8,
24, 10, 30, 28 (a list that drifts from this after the tenth place checks almost no real code).
Both checks are run: every published code tried passes both, and each catches a typing
mistake the other may miss (31 is prime and no weight is 0, so any one changed character breaks
the outer check; the inner one also catches some swaps).
"""

from __future__ import annotations

from translationstring import TranslationString

from shop.application.i18n import _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
#: 3^(i-1) mod 31 for positions 1-17.
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))
#: The registration authorities GB 32100 names (Y: any other).
AUTHORITIES = frozenset("123456789ANY")
#: GB 11714: the weights of the organisation code's eight characters.
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalize(text: str) -> str:
    """What the shopper meant: spaces anywhere dropped (codes are often copied in groups),
    letters in capitals."""
    return "".join(text.split()).upper()


def check_character(first_seventeen: str) -> str:
    """The 18th character for the first 17 (all from ``ALPHABET``)."""
    total = sum(ALPHABET.index(char) * weight
                for char, weight in zip(first_seventeen, WEIGHTS, strict=True))
    return ALPHABET[-total % 31]


def organisation_check(body: str) -> str:
    """GB 11714's check character for an organisation code's eight characters (digits, or
    letters counted A=10 … Z=35)."""
    total = sum(int(char, 36) * weight
                for char, weight in zip(body, ORGANISATION_WEIGHTS, strict=True))
    remainder = -total % 11
    return "X" if remainder == 10 else str(remainder)


def problem(code: str) -> TranslationString | None:
    """Why ``code`` (normalized) is no unified social credit code, or None when it is one."""
    if len(code) != LENGTH:
        return _("A unified social credit code has 18 characters")
    if any(char not in ALPHABET for char in code):
        return _("A unified social credit code has only digits and capital letters other "
                 "than I, O, S, V and Z")
    if code[0] not in AUTHORITIES or not code[2:8].isdigit():
        return _("This is not a unified social credit code: check its first 8 characters")
    if code[16] != organisation_check(code[8:16]) or code[17] != check_character(code[:17]):
        return _("This code does not add up: check it for a typing mistake")
    return None


def is_valid(code: str) -> bool:
    """Whether ``code`` (as typed: spaces and small letters allowed) is a valid code."""
    return problem(normalize(code)) is None
