"""The three gateway simulators wired to a shop the way ``make run`` wires them: the adapters
reach the simulators in-process, and what the simulators send to the shop's notify URL is
queued here until the test delivers it (so a test decides when, how often, and in which order
with the shopper's return)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shop.application import Shop
from shop.application.actors import Actor
from shop.application.clock import Clock
from shop.application.payments.calls import start_payment
from shop.application.payments.gateways.http import Call, WsgiTransport
from shop.application.payments.gateways.port import Acknowledgement, HttpRequest, NextStep
from shop.application.payments.gateways.registry import BUILDERS
from shop.simulators.mount import KINDS, SimulatorApp

BASE = "https://shop.example/_simulators"
NAMES = ("alipay", "wechat", "unionpay")


@dataclass
class Sent:
    gateway: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Gateways:
    shop: Shop
    simulators: dict[str, Any]
    transport: WsgiTransport
    outbox: list[Sent] = field(default_factory=list)

    def open_cashier(self, actor: Actor, payment_number: str) -> NextStep:
        """Start the payment at its gateway (as the payment page does after its commit) and do
        what the shopper's browser does with the next step: open the gateway's page."""
        _gateway, step = start_payment(self.shop, payment_number, actor)
        if step.kind == "post_form":
            self.transport(Call("POST", step.url,
                                {"Content-Type": "application/x-www-form-urlencoded"},
                                urllib.parse.urlencode(dict(step.fields)).encode()))
        elif step.kind == "redirect":
            self.transport(Call("GET", step.url))
        return step

    def deliver(self, sent: Sent) -> Acknowledgement:
        with self.shop.transaction() as tx:
            return tx.payments.notify(sent.gateway, HttpRequest(sent.headers, sent.body))

    def flush(self) -> list[Acknowledgement]:
        sent, self.outbox[:] = list(self.outbox), []
        return [self.deliver(each) for each in sent]


def install(shop: Shop, clock: Clock, keys: Path) -> Gateways:
    """Simulators for the three gateways (keys kept in ``keys``) and their adapters in
    ``shop.gateways``."""
    outbox: list[Sent] = []
    apps: dict[str, Any] = {}
    settings: dict[str, dict[str, str]] = {}
    for name in NAMES:
        make, shop_settings = KINDS[name]

        def queue(url: str, headers: Any, body: bytes, name: str = name) -> tuple[int, bytes]:
            outbox.append(Sent(name, dict(headers), body))
            return 200, b"success"

        url = f"{BASE}/{name}"
        apps[name] = make(keys / name, base_url=url, clock=clock, deliver=queue)
        settings[name] = shop_settings(keys / name, url)
    transport = WsgiTransport(SimulatorApp(apps))
    for name in NAMES:
        shop.gateways[name] = BUILDERS[name](settings[name], transport, clock)
    return Gateways(shop, apps, transport, outbox)
