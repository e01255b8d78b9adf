"""Money is exact: Decimal to the fen, half-up, never a float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.application.money import format_cny, to_money


def test_rounds_half_up_to_the_fen():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money("2.344") == Decimal("2.34")
    assert to_money(3) == Decimal("3.00")


def test_refuses_floats_and_nonsense():
    with pytest.raises(TypeError):
        to_money(0.1)
    with pytest.raises(ValueError, match="not an amount"):
        to_money("ten yuan")


def test_formats_as_yuan():
    assert format_cny(Decimal("1234.5")) == "¥1,234.50"


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_amounts_already_in_fen_are_unchanged(amount):
    assert to_money(amount) == amount


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False),
                max_size=20))
def test_rounding_error_per_amount_is_at_most_half_a_fen(amounts):
    for amount in amounts:
        assert abs(to_money(amount) - amount) <= Decimal("0.005")
