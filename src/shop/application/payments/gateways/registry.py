"""Which gateways the shop pays through, built from the settings:

    shop.payments.gateways = alipay wechat unionpay   # none when not set

Each named gateway's own settings (``shop.payments.<name>.*``, see its adapter) are checked when
the gateways are first built (the web app builds them at start-up): a gateway named without its
keys refuses to start rather than failing the first shopper's payment. Outgoing calls go over
HTTP unless a transport is given (the simulators, in development and tests, run in-process).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shop.application.clock import Clock
from shop.application.errors import Invalid
from shop.application.payments.gateways.alipay import AlipayConfig, AlipayGateway
from shop.application.payments.gateways.http import Transport, UrllibTransport
from shop.application.payments.gateways.port import Gateway
from shop.application.payments.gateways.unionpay import UnionpayConfig, UnionpayGateway
from shop.application.payments.gateways.wechat import WechatConfig, WechatGateway

GATEWAYS_SETTING = "shop.payments.gateways"


def _alipay(settings: Mapping[str, Any], transport: Transport, clock: Clock) -> Gateway:
    return AlipayGateway(AlipayConfig.from_settings(settings), transport, clock)


def _wechat(settings: Mapping[str, Any], transport: Transport, clock: Clock) -> Gateway:
    return WechatGateway(WechatConfig.from_settings(settings), transport, clock)


def _unionpay(settings: Mapping[str, Any], transport: Transport, clock: Clock) -> Gateway:
    return UnionpayGateway(UnionpayConfig.from_settings(settings), transport, clock)


BUILDERS: dict[str, Callable[[Mapping[str, Any], Transport, Clock], Gateway]] = {
    "alipay": _alipay,
    "wechat": _wechat,
    "unionpay": _unionpay,
}


def configured_names(settings: Mapping[str, Any]) -> list[str]:
    names = str(settings.get(GATEWAYS_SETTING) or "").replace(",", " ").split()
    unknown = [name for name in names if name not in BUILDERS]
    if unknown:
        raise Invalid({GATEWAYS_SETTING: f"unknown gateways {', '.join(unknown)}; the shop "
                                         f"knows {', '.join(BUILDERS)}"})
    return names


def gateways_from_settings(settings: Mapping[str, Any], clock: Clock,
                           transports: Mapping[str, Transport] | None = None
                           ) -> dict[str, Gateway]:
    transports = transports or {}
    return {name: BUILDERS[name](settings, transports.get(name) or UrllibTransport(), clock)
            for name in configured_names(settings)}
