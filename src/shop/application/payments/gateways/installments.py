"""花呗分期 (Huabei installments): the plans the payment page offers for an Alipay payment.

Alipay lets a shopper repay a page or WAP payment over 3, 6 or 12 months
(``extend_params.hb_fq_num``). The fee is borne wholly by the shopper
(``hb_fq_seller_percent`` 0) or wholly by the shop (100), never shared; the standard rates are
2.3%, 4.5% and 7.5% of the amount for 3, 6 and 12 periods. Each period repays
(amount + the shopper's fee) / periods: cut to the fen, with the remainder on the first period
so that the periods add up to the fen. Alipay advises installments only from 100 yuan, which is
the default minimum (``shop.payments.alipay.installment_minimum``).

This is a pure function of the amount, so the payment page shows exactly what Alipay will charge
and a test can check every plan by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from shop.application.money import from_fen, to_fen, to_money

#: Fee rate by number of periods (花呗分期标准费率).
RATES: dict[int, Decimal] = {3: Decimal("0.023"), 6: Decimal("0.045"), 12: Decimal("0.075")}
PERIODS = tuple(RATES)
#: Who bears the fee, as Alipay's hb_fq_seller_percent: 0 the shopper, 100 the shop.
SELLER_PERCENTS = (0, 100)
MINIMUM = Decimal("100.00")


@dataclass(frozen=True)
class InstallmentPlan:
    periods: int
    rate: Decimal
    fee: Decimal  # the whole fee, whoever bears it
    fee_payer: Literal["shopper", "shop"]
    total: Decimal  # what the shopper repays over all periods
    payments: tuple[Decimal, ...]  # each period's repayment; the first carries the remainder

    @property
    def seller_percent(self) -> int:
        """Alipay's ``hb_fq_seller_percent`` for this plan."""
        return 100 if self.fee_payer == "shop" else 0


def plans(amount: Decimal, seller_percent: int,
          minimum: Decimal = MINIMUM) -> list[InstallmentPlan]:
    """The plans offered for ``amount`` (none below ``minimum``), fewest periods first."""
    if to_money(amount) != amount or amount <= 0:
        raise ValueError(f"not a positive amount to the fen: {amount!r}")
    if seller_percent not in SELLER_PERCENTS:
        raise ValueError(f"hb_fq_seller_percent is 0 or 100, not {seller_percent!r}")
    if amount < minimum:
        return []
    return [_plan(amount, periods, rate, seller_percent) for periods, rate in RATES.items()]


def _plan(amount: Decimal, periods: int, rate: Decimal, seller_percent: int) -> InstallmentPlan:
    fee = to_money(amount * rate)
    total = amount if seller_percent == 100 else amount + fee
    each, remainder = divmod(to_fen(total), periods)
    payments = (from_fen(each + remainder),) + (from_fen(each),) * (periods - 1)
    return InstallmentPlan(periods, rate, fee, "shop" if seller_percent == 100 else "shopper",
                           total, payments)
