"""花呗分期 plans: the fee at the standard rates, who bears it, periods that add up to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.application.payments.gateways.installments import MINIMUM, plans

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

D = Decimal


def test_the_shopper_bears_the_fee_at_the_standard_rates() -> None:
    offered = plans(D("100.00"), 0)

    assert [(p.periods, p.fee, p.total) for p in offered] == [
        (3, D("2.30"), D("102.30")), (6, D("4.50"), D("104.50")), (12, D("7.50"), D("107.50"))]
    assert all(p.fee_payer == "shopper" and p.seller_percent == 0 for p in offered)


def test_the_first_period_carries_the_remainder() -> None:
    three, six, twelve = plans(D("100.00"), 0)

    assert three.payments == (D("34.10"),) * 3
    assert six.payments == (D("17.45"),) + (D("17.41"),) * 5  # 104.50 = 17.41 × 6 + 0.04
    assert twelve.payments == (D("9.05"),) + (D("8.95"),) * 11  # 107.50 = 8.95 × 12 + 0.10


def test_when_the_shop_bears_the_fee_the_shopper_repays_the_amount() -> None:
    three = plans(D("100.00"), 100)[0]

    assert (three.fee, three.fee_payer, three.seller_percent) == (D("2.30"), "shop", 100)
    assert three.total == D("100.00")
    assert three.payments == (D("33.34"), D("33.33"), D("33.33"))


def test_the_fee_is_rounded_half_up_to_the_fen() -> None:
    # 101.00 × 4.5% = 4.545: half-up gives 4.55 where half-even would give 4.54.
    assert plans(D("101.00"), 0)[1].fee == D("4.55")


def test_nothing_is_offered_below_the_minimum() -> None:
    assert plans(D("99.99"), 0) == []
    assert len(plans(MINIMUM, 0)) == 3
    assert plans(D("150.00"), 0, minimum=D("200.00")) == []
    assert len(plans(D("50.00"), 0, minimum=D("0.00"))) == 3


@pytest.mark.parametrize(("amount", "percent"), [(D("100.005"), 0), (D("0"), 0),
                                                 (D("100.00"), 50)])
def test_bad_input_is_refused(amount: Decimal, percent: int) -> None:
    with pytest.raises(ValueError):
        plans(amount, percent)


@given(fen=st.integers(min_value=10_000, max_value=10**10), percent=st.sampled_from([0, 100]))
def test_periods_always_add_up_to_the_total(fen: int, percent: int) -> None:
    for plan in plans(Decimal(fen) / 100, percent):
        assert sum(plan.payments) == plan.total
        assert len(plan.payments) == plan.periods
        assert max(plan.payments) - min(plan.payments) < D("0.01") * plan.periods
        assert plan.payments[0] == max(plan.payments)
