"""Money: exact ``Decimal`` CNY to the fen, rounded half-up at the points the shop defines.

Everything that turns outside input into an amount goes through here: ``to_money`` for values
in code, the colander type ``Money`` for forms, CSV rows and library calls, and the protocol
conversions (integer fen, yuan strings) that payment adapters speak. One rounding rule: half-up,
away from zero for negative amounts (a refund of -1.005 is -1.01).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import colander

from shop.application.i18n import _

FEN = Decimal("0.01")
CURRENCY = "CNY"
#: The largest amount a ``Numeric(14, 2)`` column holds.
MAX_AMOUNT = Decimal("999999999999.99")
#: What a person or a file may write for an amount: digits, an optional point, no exponent.
_PLAIN = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_YUAN = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to the fen, half-up. Floats are refused: they cannot hold a price exactly."""
    if isinstance(value, float | bool):
        raise TypeError("money must be a Decimal, int or str, not a float or bool")
    try:
        amount = Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # infinity, text, or too many digits to quantize
        raise ValueError(f"not an amount of money: {value!r}") from exc
    if not amount.is_finite():  # a quiet NaN passes quantize
        raise ValueError(f"not an amount of money: {value!r}")
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(f"amount out of range: {value!r}")
    return amount


def to_fen(amount: Decimal) -> int:
    """Integer fen (what WeChat Pay and UnionPay speak). Refuses an amount finer than a fen:
    rounding belongs to the shop's defined points, never to a protocol conversion."""
    money = to_money(amount)
    if money != amount:
        raise ValueError(f"{amount!r} is not a whole number of fen")
    return int(money * 100)


def from_fen(fen: int) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen must be an int")
    return to_money(Decimal(fen) / 100)


def to_yuan(amount: Decimal) -> str:
    """``"12.30"``: yuan with exactly two decimals, no grouping (what Alipay speaks)."""
    return f"{Decimal(to_fen(amount)) / 100:.2f}"


def from_yuan(text: str) -> Decimal:
    """Parse a protocol's yuan string strictly: ``"12.30"``, never ``"12.3"`` or ``"1e3"``."""
    if not isinstance(text, str) or not _YUAN.match(text):
        raise ValueError(f"not a yuan amount with two decimals: {text!r}")
    return to_money(text)


def format_cny(amount: Decimal) -> str:
    """``¥1,234.50``: the storefront's way of showing a price."""
    return f"¥{to_money(amount):,.2f}"


class Money(colander.SchemaType):
    """A colander type for amounts: plain decimal text (or Decimal/int) to a Decimal at the fen.

    It rounds exactly like ``to_money`` (half-up), where ``colander.Decimal("0.01")`` would
    round half-even; floats, exponents ("1e9"), NaN and amounts too large to store are refused.
    """

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        if appstruct is colander.null or appstruct is None:
            return colander.null
        return f"{to_money(appstruct):.2f}"

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct in (colander.null, None) or (isinstance(cstruct, str) and not cstruct.strip()):
            return colander.null
        if isinstance(cstruct, str):
            text = cstruct.strip().replace(",", "")
            if not _PLAIN.match(text):
                raise colander.Invalid(node, _("Enter an amount such as 12.50"))
            cstruct = text
        elif isinstance(cstruct, float | bool) or not isinstance(cstruct, Decimal | int):
            raise colander.Invalid(node, _("Enter an amount such as 12.50"))
        try:
            return to_money(cstruct)
        except ValueError:
            raise colander.Invalid(node, _("That amount is too large")) from None
