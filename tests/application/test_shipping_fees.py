"""The fee arithmetic: known values, the free threshold, and that a heavier parcel never costs
less (a property Hypothesis tries on many rules and weights)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.application.shipping.fees import shipping_fee, weight_fee
from shop.application.shipping.read_models import FeeRuleView

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

SF = FeeRuleView("*", "everywhere", 1000, Decimal("12.00"), 1000, Decimal("2.00"))


@pytest.mark.parametrize("grams, fee", [
    (0, "12.00"), (1, "12.00"), (1000, "12.00"),  # within the first weight
    (1001, "14.00"),  # a started step is a whole step
    (2000, "14.00"), (2001, "16.00"), (10000, "30.00"),
])
def test_known_fees(grams, fee):
    assert weight_fee(SF, grams) == Decimal(fee)


def test_steps_of_odd_sizes_and_fees_in_fen():
    rule = FeeRuleView("*", "", 500, Decimal("6.50"), 300, Decimal("0.35"))
    assert weight_fee(rule, 501) == Decimal("6.85")
    assert weight_fee(rule, 1100) == Decimal("7.20")  # 600 g over: two steps
    assert weight_fee(rule, 1101) == Decimal("7.55")  # three


@pytest.mark.parametrize("amount, free_above, expected", [
    ("98.99", "99.00", ("14.00", False)),
    ("99.00", "99.00", ("0.00", True)),  # at the threshold: free
    ("500.00", "99.00", ("0.00", True)),
    ("500.00", None, ("14.00", False)),  # no threshold: never free
    ("0.00", "0.00", ("0.00", True)),
])
def test_free_at_or_above_the_threshold(amount, free_above, expected):
    fee, free = shipping_fee(SF, 1500, Decimal(amount),
                             None if free_above is None else Decimal(free_above))
    assert (str(fee), free) == expected


fees = st.decimals(min_value=0, max_value=Decimal("9999.99"), places=2)
grams = st.integers(min_value=1, max_value=100_000)
rules = st.builds(FeeRuleView, st.just("*"), st.just(""), grams, fees, grams, fees)


@given(rules, st.integers(min_value=0, max_value=10**8), st.integers(min_value=0, max_value=10**6))
def test_a_heavier_parcel_never_costs_less(rule, weight, more):
    lighter, heavier = weight_fee(rule, weight), weight_fee(rule, weight + more)
    assert rule.first_fee <= lighter <= heavier
    assert lighter == lighter.quantize(Decimal("0.01"))


@given(rules, st.integers(min_value=0, max_value=10**7))
def test_the_fee_is_the_first_fee_plus_whole_steps(rule, weight):
    extra = weight_fee(rule, weight) - rule.first_fee
    over = max(0, weight - rule.first_weight_grams)
    steps = (over + rule.additional_weight_grams - 1) // rule.additional_weight_grams
    assert extra == steps * rule.additional_fee
