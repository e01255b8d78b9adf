"""``shop-admin INI orders ship ...``: staff ship an order from the console."""

from __future__ import annotations

import pytest

from shop.application import Conflict, Invalid
from shop.presentation import cli
from tests.ordering_support import buyer, place, prepare_shop, sku_codes


def run(shop, argv):
    args = cli.parser().parse_args(["development.ini", "orders", "ship", *argv])
    return args.handler(shop, args)


@pytest.fixture
def paid_order(shop, system):
    prepare_shop(system)
    [sku] = sku_codes(system)
    who = buyer(shop)
    placed = place(shop, who, {sku: 1})
    with shop.transaction(shop.system_actor("payments")) as tx:
        tx.orders.mark_paid(placed.number)
    return who, placed.number


def test_an_order_shipped_at_the_console_is_tracked_and_audited(shop, paid_order, capsys):
    who, number = paid_order
    assert run(shop, [number, "--carrier", "SF", "--tracking-number", "SF1234567890",
                      "--by", "alice"]) == 0
    assert f"order {number} shipped with SF SF1234567890" in capsys.readouterr().out
    with shop.transaction(who.actor) as tx:
        order = tx.orders.get(number)
    assert order.state == "shipped" and order.shipments[0].tracking_number == "SF1234567890"
    with shop.transaction(shop.system_actor("tests")) as tx:
        [entry] = [e for e in tx._audit.entries(limit=5) if e.action == "order.ship"]
    assert entry.actor_name == "system:shop-admin:alice"
    with pytest.raises(Conflict):  # shipped already
        run(shop, [number, "--carrier", "SF", "--tracking-number", "SF1234567891"])


def test_a_bad_tracking_number_ships_nothing(shop, paid_order):
    who, number = paid_order
    with pytest.raises(Invalid) as refused:
        run(shop, [number, "--carrier", "SF", "--tracking-number", "<script>"])
    assert "tracking_number" in refused.value.errors
    caller = shop.system_actor("a caller that commits anyway")
    with shop.transaction(caller) as tx, pytest.raises(Invalid):
        tx.orders.ship(number, {"carrier": "SF", "tracking_number": "<script>"})
    with shop.transaction(who.actor) as tx:
        order = tx.orders.get(number)
    assert order.state == "awaiting_shipment" and order.shipments == ()


def test_an_operator_name_that_cannot_be_stored_is_refused_before_anything_runs(shop):
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["x.ini", "orders", "ship", "1", "--carrier", "SF",
                                 "--tracking-number", "SF1", "--by", "x" * 61])
