"""``shop-admin INI shipments event ...``: staff enter a tracking event from the console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shop.application import Invalid, NotFound
from shop.presentation import cli
from shop.presentation.settings import with_environment
from tests.shipments_support import shipped


def run(shop, argv):
    args = cli.parser().parse_args(["development.ini", "shipments", "event", *argv])
    return args.handler(shop, args)


def test_an_event_entered_at_the_console_is_recorded_and_audited(shop, clock, capsys):
    clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    shipment = shipped(shop)
    code = run(shop, [str(shipment.id), "--status", "delivered",
                      "--description", "客户电话确认已收到", "--location", "上海市",
                      "--at", "2026-12-02T15:30", "--by", "alice"])
    assert code == 0
    assert f"shipment {shipment.id} (SF {shipment.tracking_number}): delivered, 1 events" in \
        capsys.readouterr().out
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        [view] = tx.shipments.for_orders([shipment.order_id])[shipment.order_id]
        [entry] = [e for e in tx._audit.entries(limit=5) if e.action == "shipments.add_event"]
    [event] = view.events
    assert (event.occurred_at, event.location, event.source) == (
        datetime(2026, 12, 2, 7, 30, tzinfo=UTC), "上海市", "staff")
    assert view.state == "delivered"
    assert entry.actor_name == "system:shop-admin:alice"


def test_bad_input_is_refused_by_field(shop, clock):
    clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    shipment = shipped(shop)
    with pytest.raises(Invalid) as caught:
        run(shop, [str(shipment.id), "--status", "in_transit", "--description", "x",
                   "--at", "2027-01-01T00:00"])
    assert set(caught.value.errors) == {"description", "occurred_at"}
    with pytest.raises(NotFound):
        run(shop, ["999999999", "--status", "in_transit", "--description", "到达"])
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["development.ini", "shipments", "event", "1", "--status",
                                 "lost", "--description", "到达"])


PRODUCTION_INI = str(Path(__file__).resolve().parents[2] / "production.ini")


def test_production_refuses_to_start_without_kuaidi100_credentials(monkeypatch, capsys):
    # production.ini's logging setup would disable the loggers other tests listen to.
    monkeypatch.setattr(cli, "setup_logging", lambda config_uri: None)
    for variable in ("SHOP_KUAIDI100_CUSTOMER", "SHOP_KUAIDI100_KEY"):
        monkeypatch.delenv(variable, raising=False)
    assert cli.main([PRODUCTION_INI, "jobs", "list"]) == 1
    said = capsys.readouterr().err
    assert "shop.tracking.kuaidi100.customer" in said and "shop.tracking.kuaidi100.key" in said
    monkeypatch.setenv("SHOP_KUAIDI100_CUSTOMER", "C0FFEE")
    monkeypatch.setenv("SHOP_KUAIDI100_KEY", "secret-key")
    assert with_environment({})["shop.tracking.kuaidi100.key"] == "secret-key"
    assert cli.main([PRODUCTION_INI, "jobs", "list"]) == 0
    assert "track-shipments" in capsys.readouterr().out
