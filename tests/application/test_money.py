"""Money is exact: Decimal to the fen, half-up everywhere (code, forms, protocols), never a float.

The properties pick amounts with a third decimal of exactly 5, where half-up and half-even (or
truncation) disagree, so a change of rounding mode anywhere makes them fail.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import colander
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.application.catalog.schemas import SkuSchema
from shop.application.money import (
    MAX_AMOUNT,
    Money,
    format_cny,
    from_fen,
    from_yuan,
    to_fen,
    to_money,
    to_yuan,
)

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

fen = st.integers(min_value=0, max_value=10**12)
#: Amounts exactly half a fen above a whole fen: 0.005, 1.235, 2.345 ...
ties = fen.map(lambda n: Decimal(n) / 100 + Decimal("0.005"))


def test_rounds_half_up_to_the_fen():
    assert to_money("2.345") == Decimal("2.35")  # half-even would give 2.34
    assert to_money("2.344") == Decimal("2.34")
    assert to_money("-1.005") == Decimal("-1.01")
    assert to_money(3) == Decimal("3.00")


def test_refuses_floats_bools_and_nonsense():
    for bad in (0.1, True):
        with pytest.raises(TypeError):
            to_money(bad)
    for bad in ("ten yuan", "NaN", "Infinity", "9" * 30):
        with pytest.raises(ValueError):
            to_money(bad)


def test_formats_as_yuan():
    assert format_cny(Decimal("1234.5")) == "¥1,234.50"


@given(ties)
def test_a_tie_always_rounds_up(amount):
    assert to_money(amount) == amount + Decimal("0.005")
    assert to_money(-amount) == -(amount + Decimal("0.005"))


@given(ties)
def test_form_fields_round_like_the_code(amount):
    """colander's own Decimal("0.01") rounds half-even: the shop's Money type must not."""
    if amount + Decimal("0.005") > MAX_AMOUNT:
        return
    node = colander.SchemaNode(Money())
    assert node.deserialize(str(amount)) == to_money(amount)
    half_even = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if half_even != to_money(amount):  # about half the ties: the modes really differ here
        assert node.deserialize(str(amount)) != half_even


def test_a_sku_price_typed_in_a_form_rounds_half_up():
    sku = SkuSchema().deserialize({"code": "A-1", "price": "1.005", "list_price": "2.345"})
    assert sku["price"] == Decimal("1.01") and sku["list_price"] == Decimal("2.35")
    # Rounded first, then compared: 19.995 is a list price of 20.00, not below the price.
    sku = SkuSchema().deserialize({"code": "A-1", "price": "20.00", "list_price": "19.995"})
    assert sku["list_price"] == sku["price"] == Decimal("20.00")


@pytest.mark.parametrize("text", ["1e9", "abc", "1.2.3", "0x10", "--1", "nan", "inf", " . "])
def test_form_fields_refuse_what_is_not_a_plain_amount(text):
    with pytest.raises(colander.Invalid):
        colander.SchemaNode(Money()).deserialize(text)


def test_form_fields_refuse_amounts_too_large_to_store():
    with pytest.raises(colander.Invalid, match="too large"):
        colander.SchemaNode(Money()).deserialize("1" + "0" * 12)
    assert colander.SchemaNode(Money()).deserialize("1,234.5") == Decimal("1234.50")


@given(fen)
def test_fen_round_trip(n):
    assert to_fen(from_fen(n)) == n
    assert from_yuan(to_yuan(from_fen(n))) == from_fen(n)


def test_protocol_units():
    assert to_fen(Decimal("12.30")) == 1230
    assert to_yuan(Decimal("12.3")) == "12.30"
    assert from_yuan("0.01") == Decimal("0.01")


@pytest.mark.parametrize("bad", ["12.3", "1e3", "12", "12.345", " 1.00", "１.00"])
def test_yuan_strings_are_parsed_strictly(bad):
    with pytest.raises(ValueError):
        from_yuan(bad)


def test_a_protocol_conversion_never_rounds():
    with pytest.raises(ValueError, match="whole number of fen"):
        to_fen(Decimal("1.005"))
    with pytest.raises(TypeError):
        from_fen(1.5)
