"""A stand-in for 快递100's server, so the real adapter runs end to end without the network.

``make run`` selects it (``shop.tracking.adapter = simulator``) and the tests use it: it is a
``Transport`` — it takes the form the adapter posts and answers the bytes 快递100 would. It
checks what the server checks (the fields are there, the company is known, the signature is
MD5(param + key + customer) in upper case for *its* customer and key) and answers the same
error shape (``result: false``, ``returnCode``, ``message``) when they are not.

The timeline is deterministic: the number picks the route, the cities and how long the
parcel takes (1 to 3 days), and the events whose time has come by the shop's clock, counted
from when the shop recorded the shipment, are told: 揽收 → 在途 → 到达 → 派件 → 签收, with a 疑难
on the way for one number in ten. A number the shop never shipped has no result (500), as a
real carrier has none for a number it never scanned; so has a parcel not yet picked up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from shop.application.clock import Clock
from shop.application.shipments.carriers import BY_KUAIDI100, CARRIER_TIME, kuaidi100_sign

CITIES = ("广东省深圳市", "上海市浦东新区", "浙江省杭州市", "北京市朝阳区", "四川省成都市",
          "湖北省武汉市", "江苏省南京市", "陕西省西安市")

#: (share of the whole journey, state code, state in words, text); {origin}/{dest} filled in.
STEPS = (
    (0.04, "1", "揽收", "【{origin}】快件已揽收，揽投员正在处理"),
    (0.15, "0", "在途", "【{origin}】快件已发往{dest}转运中心"),
    (0.55, "0", "在途", "【{dest}】快件已到达{dest}转运中心"),
    (0.85, "5", "派件", "【{dest}】快递员正在为您派件，请保持电话畅通"),
    (1.00, "3", "签收", "【{dest}】已签收，签收人：本人。感谢使用，期待再次为您服务"),
)
TROUBLE = (0.70, "2", "疑难", "【{dest}】收件地址不详，快递员正在联系收件人核实")

#: When the shop recorded the shipment of (shop carrier code, number); None if it did not.
ShippedAt = Callable[[str, str], datetime | None]


class Kuaidi100Simulator:
    def __init__(self, customer: str, key: str, clock: Clock, shipped_at: ShippedAt) -> None:
        self.customer = customer
        self.key = key
        self.clock = clock
        self.shipped_at = shipped_at

    def __call__(self, url: str, form: Mapping[str, str]) -> tuple[int, bytes]:
        return 200, json.dumps(self.answer(form), ensure_ascii=False).encode()

    def answer(self, form: Mapping[str, str]) -> dict[str, Any]:
        customer, param, sign = (form.get(name) for name in ("customer", "param", "sign"))
        if not customer or not param or not sign:
            return _refusal("400", "提交的数据不完整，或者贵公司没授权")
        if customer != self.customer or sign != kuaidi100_sign(param, self.key, customer):
            return _refusal("503", "验证签名失败")
        try:
            query = json.loads(param)
        except ValueError:
            return _refusal("400", "提交的数据不完整，或者贵公司没授权")
        if not isinstance(query, dict):
            return _refusal("400", "提交的数据不完整，或者贵公司没授权")
        carrier = BY_KUAIDI100.get(str(query.get("com", "")))
        number = str(query.get("num", ""))
        if carrier is None or not number:
            return _refusal("400", "找不到对应公司")
        shipped = self.shipped_at(carrier.code, number)
        entries = timeline(carrier.kuaidi100, number, shipped, self.clock.now()) if shipped else []
        if not entries:
            return _refusal("500", "查询无结果，请隔段时间再查")
        newest_first = list(reversed(entries))
        state = newest_first[0].pop("state")
        for entry in newest_first[1:]:
            entry.pop("state")
        return {"message": "ok", "nu": number, "ischeck": "1" if state == "3" else "0",
                "com": carrier.kuaidi100, "status": "200", "state": state, "condition": "F00",
                "data": newest_first}


def timeline(com: str, number: str, shipped_at: datetime, now: datetime) -> list[dict[str, str]]:
    """The entries whose time has come, oldest first (each with its ``state`` code)."""
    seed = int.from_bytes(hashlib.sha256(f"{com}:{number}".encode()).digest()[:8], "big")
    journey = timedelta(hours=24 + seed % 49)
    origin = seed % len(CITIES)
    # Any city but the origin: 1 to len - 1 places further round the list.
    dest = CITIES[(origin + 1 + (seed >> 8) % (len(CITIES) - 1)) % len(CITIES)]
    origin_city = CITIES[origin]
    steps = sorted((*STEPS, TROUBLE) if seed % 10 == 7 else STEPS)
    entries = []
    for share, state, word, text in steps:
        at = shipped_at + journey * share
        if at > now:
            break
        local = at.astimezone(CARRIER_TIME).strftime("%Y-%m-%d %H:%M:%S")
        city = origin_city if "{origin}" in text else dest
        entries.append({"time": local, "ftime": local, "context": text.format(
            origin=origin_city, dest=dest), "areaName": city, "status": word, "state": state})
    return entries


def _refusal(code: str, message: str) -> dict[str, Any]:
    return {"result": False, "returnCode": code, "message": message}
