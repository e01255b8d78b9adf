"""No card number ever touches the shop: card entry happens on the gateway's page. After paying,
refunding and reconciling through every gateway, neither the database nor the logs hold a run
of digits shaped like a card number (13–19 digits, Luhn-valid, in a card network's range) —
the check a PCI scan makes."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.data.models import Base
from tests.gateway_support import NAMES, install
from tests.ordering_support import buyer, prepare_shop, sku_codes
from tests.payments_support import order_of, pay

DIGIT_RUNS = re.compile(r"(?<![0-9])[0-9]{13,19}(?![0-9])")
#: Issuer prefixes of the card networks: Visa, Mastercard (51–55, 2221–2720), Amex, UnionPay,
#: JCB, Discover, Diners.
NETWORKS = re.compile(r"^(4|5[1-5]|2(22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)|3[47]|62|"
                      r"35(2[89]|[3-8][0-9])|6011|65|3(0[0-5]|[68]))")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_numbers(text: str) -> list[str]:
    return [run for run in DIGIT_RUNS.findall(text) if NETWORKS.match(run) and luhn_valid(run)]


@pytest.mark.parametrize(("text", "found"), [
    ("paid with 4111111111111111 today", ["4111111111111111"]),  # Visa's test number
    ("6222021234567890129", []),  # UnionPay-shaped but not Luhn-valid
    ("order 20261201123456789012", []),  # longer than any card number
    ("seller 2088000000000001", []),  # an Alipay PID: no network issues 2088
    ("card 6212345678901232 and 378282246310005", ["6212345678901232", "378282246310005"]),
])
def test_the_scan_tells_card_numbers_from_other_digits(text, found):
    assert card_numbers(text) == found


def test_no_card_number_in_the_database_or_the_logs(shop, system, clock, gateway_keys, caplog):
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    gateways = install(shop, clock, gateway_keys)
    prepare_shop(system)
    sku = sku_codes(system, stock=20, price="88.00")[0]
    caplog.set_level(logging.DEBUG)
    for name in NAMES:
        who = buyer(shop)
        number = order_of(shop, who, sku)
        result = pay(shop, who, number, gateway=name)
        gateways.open_cashier(who.actor, result.payment_number)
        gateways.simulators[name].pay(result.payment_number)
        gateways.flush()
        with shop.transaction(shop.system_actor("tests")) as tx:
            tx.payments.refund(number, {"amount": "10.00", "reason": "partial"})
        shop.run_job("dispatch-events")
        gateways.flush()
    clock.advance(timedelta(days=1))
    for name in NAMES:
        system.payments.reconcile(name, datetime(2026, 12, 1).date())
    found = []
    for table in Base.metadata.sorted_tables:
        for row in system._session.execute(select(table)):
            found += card_numbers(" ".join(str(value) for value in row))
    assert found == []
    assert caplog.records and card_numbers(caplog.text) == []
