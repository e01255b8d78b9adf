"""Running the simulators beside the shop: what ``make run`` (and the browser tests) pay with.

    shop.payments.gateways = alipay wechat unionpay
    shop.payments.simulators = %(here)s/var/simulators   # their keys; none: no simulators

With a directory set, each named gateway gets a simulator served under
``<shop.public_url>/_simulators/<name>/`` (``SimulatorApp``), keys made in the directory on
first use, and the ``shop.payments.<name>.*`` settings that point the shop at it, unless the
ini file sets them itself. The web tier serves the simulators' pages (cashier, QR scan, bank)
to the browser and hands the adapters a transport into the same application, so no call leaves
the process except the notifications, which the simulators POST to the shop over HTTP as the
real gateways do.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shop.application.clock import Clock
from shop.simulators import alipay, unionpay, wechat

SETTING = "shop.payments.simulators"
PREFIX = "/_simulators"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: name -> (make a simulator from its directory, the shop's settings for it)
KINDS: dict[str, tuple[Callable[..., WsgiApp], Callable[[Path, str], dict[str, str]]]] = {
    "alipay": (alipay.AlipaySimulator.from_directory, alipay.shop_settings),
    "wechat": (wechat.WechatSimulator.from_directory, wechat.shop_settings),
    "unionpay": (unionpay.UnionpaySimulator.from_directory, unionpay.shop_settings),
}


@dataclass(frozen=True)
class Simulators:
    apps: Mapping[str, WsgiApp]  # by gateway name
    #: The gateways' settings pointing at the simulators (the ini file's own win).
    settings: Mapping[str, str]


def simulators_from_settings(settings: Mapping[str, Any], clock: Clock) -> Simulators | None:
    directory = str(settings.get(SETTING) or "").strip()
    if not directory:
        return None
    base = str(settings.get("shop.public_url") or "http://localhost:6543").rstrip("/")
    names = str(settings.get("shop.payments.gateways") or "").replace(",", " ").split()
    apps: dict[str, WsgiApp] = {}
    wanted: dict[str, str] = {}
    for name in names:
        if name not in KINDS:
            continue  # the shop refuses the name itself, naming the setting
        make, shop_settings = KINDS[name]
        where, url = Path(directory) / name, f"{base}{PREFIX}/{name}"
        apps[name] = make(where, base_url=url, clock=clock)
        wanted.update(shop_settings(where, url))
    return Simulators(apps, wanted)


def scan_page(settings: Mapping[str, Any], gateway: str, code_text: str) -> str | None:
    """Where a person "scans" a payment code in development: the WeChat Pay simulator's phone
    page for the code (a path on the shop's host); None when no simulator serves ``gateway``."""
    names = str(settings.get("shop.payments.gateways") or "").replace(",", " ").split()
    if gateway != "wechat" or gateway not in names or not str(settings.get(SETTING) or ""):
        return None
    return f"{PREFIX}/wechat/scan?" + urllib.parse.urlencode({"code_url": code_text})


class SimulatorApp:
    """``/_simulators/<name>/…`` to that simulator (the prefix moved to SCRIPT_NAME, so the
    simulator sees the paths a gateway serves and signs the full path it was asked for);
    everything else to the shop (or 404, for the adapters' own transport)."""

    def __init__(self, simulators: Mapping[str, WsgiApp], shop_app: WsgiApp | None = None) -> None:
        self.simulators = simulators
        self.shop_app = shop_app

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX + "/"):
            name, _, rest = path[len(PREFIX) + 1:].partition("/")
            app = self.simulators.get(name)
            if app is not None:
                environ = {**environ,
                           "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + f"{PREFIX}/{name}",
                           "PATH_INFO": "/" + rest}
                return app(environ, start_response)
        if self.shop_app is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such simulator"]
        return self.shop_app(environ, start_response)
