"""Money: exact ``Decimal`` CNY to the fen, rounded half-up at the points the shop defines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
CURRENCY = "CNY"


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to the fen. Floats are refused: they cannot hold a price exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    try:
        return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc


def format_cny(amount: Decimal) -> str:
    """``¥1,234.50``: the storefront's way of showing a price."""
    return f"¥{to_money(amount):,.2f}"
