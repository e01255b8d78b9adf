"""Which payment methods an order may use (支付方式判断): decided here, never by a template.

Online payment is always offered; the payments issue plugs its gateways (Alipay, WeChat Pay,
UnionPay) in behind it. Cash on delivery (货到付款) is offered only where the merchant's couriers
collect cash and below an amount they will carry:

    shop.payment.cod.provinces = 110000 310000 440000   # GB/T 2260 province codes; none: off
    shop.payment.cod.max_amount = 2000.00               # the payable must not exceed it
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.money import to_money
from shop.application.regions.table import PROVINCE, region_table

ONLINE = "online"
CASH_ON_DELIVERY = "cod"
#: Orders staff enter (``shop.application.ordering.entry``): paid on an external platform
#: (a group buy), or given away (a zero-amount gift or replacement).
EXTERNAL = "external"
NO_PAYMENT = "none"
#: Waiting for their payment before they ship (the others are ready to ship when placed).
PAID_BEFORE_SHIPPING = frozenset({ONLINE, EXTERNAL})
#: Holding their stock reserved until they ship (nothing was paid that took it).
TAKEN_AT_SHIPPING = frozenset({CASH_ON_DELIVERY, NO_PAYMENT})

LABELS = {ONLINE: _("Pay online"), CASH_ON_DELIVERY: _("Cash on delivery"),
          EXTERNAL: _("Paid on an external platform"), NO_PAYMENT: _("No payment (zero amount)")}
NOTES = {ONLINE: _("Alipay, WeChat Pay or a bank card after you submit the order"),
         CASH_ON_DELIVERY: _("Pay the courier in cash or by card when the parcel arrives")}

DEFAULT_COD_MAX = Decimal("2000.00")


@dataclass(frozen=True)
class PaymentChoice:
    code: str
    label: str
    note: str


@dataclass(frozen=True)
class CashOnDeliveryRule:
    provinces: frozenset[str]
    max_amount: Decimal

    def allows(self, province_code: str, payable: Decimal) -> bool:
        return province_code in self.provinces and payable <= self.max_amount


def cod_rule(settings: Mapping[str, Any]) -> CashOnDeliveryRule:
    """The rule the settings give; ``Invalid`` naming the setting that is wrong."""
    codes = frozenset(str(settings.get("shop.payment.cod.provinces", "")).replace(",", " ")
                      .split())
    table = region_table()
    wrong = sorted(code for code in codes
                   if getattr(table.get(code), "level", None) != PROVINCE)
    if wrong:
        raise Invalid({"shop.payment.cod.provinces": f"not province codes: {', '.join(wrong)}"})
    try:
        max_amount = to_money(settings.get("shop.payment.cod.max_amount", DEFAULT_COD_MAX))
    except (TypeError, ValueError):
        raise Invalid({"shop.payment.cod.max_amount": "not an amount"}) from None
    return CashOnDeliveryRule(codes, max_amount)


def eligible_methods(rule: CashOnDeliveryRule, province_code: str,
                     payable: Decimal) -> list[str]:
    """The methods this order may be paid by, online first."""
    methods = [ONLINE]
    if rule.allows(province_code, payable):
        methods.append(CASH_ON_DELIVERY)
    return methods
