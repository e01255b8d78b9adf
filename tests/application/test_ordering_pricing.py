"""The payable breakdown and the discount shares: exact to the fen, adding up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.application.ordering.pricing import breakdown, share_out

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@given(st.lists(amounts, min_size=1, max_size=12), st.data())
def test_shares_add_up_to_the_fen_and_none_exceeds_its_line(weights, data):
    total = sum(weights, Decimal(0))
    amount = data.draw(st.decimals(min_value=Decimal("0.00"), max_value=total, places=2))
    shares = share_out(amount, weights)
    assert sum(shares, Decimal(0)) == amount
    assert all(Decimal(0) <= share <= weight for share, weight in zip(shares, weights,
                                                                      strict=True))
    # Within a fen of the exact proportional share: largest remainder, not "all to the last".
    assert all(abs(share - amount * weight / total) < Decimal("0.01")
               for share, weight in zip(shares, weights, strict=True))


def test_the_leftover_fen_go_to_the_largest_remainders():
    # 10.00 over three equal lines: 3.33 each and one fen left, to the first.
    assert share_out(Decimal("10.00"), [Decimal("5.00")] * 3) == [
        Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    # 1.00 over 1.00 and 2.00: exact 0.333… and 0.666…; the second's remainder is larger.
    assert share_out(Decimal("1.00"), [Decimal("1.00"), Decimal("2.00")]) == [
        Decimal("0.33"), Decimal("0.67")]


def test_the_breakdown_never_goes_below_zero():
    b = breakdown([Decimal("30.00"), Decimal("20.50")], Decimal("8.00"),
                  discount=Decimal("60.00"), covered=Decimal("100.00"))
    assert (b.items_total, b.discount_total, b.shipping_fee, b.covered_total, b.payable) == (
        Decimal("50.50"), Decimal("50.50"), Decimal("8.00"), Decimal("8.00"), Decimal("0.00"))
    plain = breakdown([Decimal("19.99")] * 3, Decimal("0"))
    assert plain.payable == Decimal("59.97")
