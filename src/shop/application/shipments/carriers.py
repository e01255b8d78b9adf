"""Asking a carrier where a parcel is: the port the tracking job uses, and its Kuaidi100 adapter.

The shop knows carriers by its own short codes ("SF", "ZTO" …, ``CARRIERS``); an adapter maps
them to its service's codes. ``CarrierTracker`` is the port: one call, the carrier's timeline
back, ``CarrierError`` for anything that is not a timeline (the job then tries again later).

``Kuaidi100Tracker`` speaks 快递100's real-time query (实时快递查询). What it relies on, from
快递100's own API demos and documentation:

- kuaidi100-api/java-demo ``sdk/request/QueryTrackReq.java``, ``QueryTrackParam.java``:
  a form POST of ``customer``, ``param`` (JSON: ``com`` the company code in lower case, ``num``
  the number, at most 32 characters, ``phone`` — required for 顺丰 —, ``resultv2``, ``show``
  "0" for JSON, ``order`` "desc") and ``sign`` = MD5 of param + key + customer, upper case;
- kuaidi100-api/php-demo ``src/synquery.php``: the endpoint https://poll.kuaidi100.com/poll/query.do
  and the sign computed over the very ``param`` string that is posted;
- ``sdk/response/QueryTrackResp.java`` and ``QueryTrackData.java``: the answer's ``message``,
  ``status`` ("200" when it worked), ``state`` (0在途 1揽收 2疑难 3签收 4退签 5派件 6退回 7转投
  8清关 10待清关 11清关中 12已清关 13清关异常 14拒签), ``ischeck``, and ``data``: entries of
  ``context``, ``time`` (China time, "YYYY-MM-DD HH:MM:SS"), ``ftime``, ``areaName`` and, with
  ``resultv2`` = 1, a per-entry ``status`` in words (在途, 揽收 …); a failure answers
  ``result: false`` with ``returnCode`` and ``message``;
- the documentation at api.kuaidi100.com (as reprinted on cloud.tencent.com/developer/article/
  1825387) for the return codes: 400 incomplete data or unknown company, 408 phone check failed,
  500 no result yet, 501 server error, 502 busy, 503 bad signature, 601 key expired.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.oauth.http import HttpClient, ProviderError

#: Carriers state their times in China time, whatever the shop's own time zone.
CARRIER_TIME = ZoneInfo("Asia/Shanghai")
KUAIDI100_URL = "https://poll.kuaidi100.com/poll/query.do"


@dataclass(frozen=True)
class Carrier:
    code: str
    #: Translation string: 顺丰速运 / SF Express.
    name: str
    #: 快递100's company code (``com``).
    kuaidi100: str
    #: The Chinese name, for texts written outside a page (an SMS in the shopper's language).
    name_zh: str

    def local_name(self, locale: str) -> str:
        return pick(locale, self.name_zh, str(self.name))


#: Every carrier the shop ships with, by the shop's code: the one table of codes.
CARRIERS: dict[str, Carrier] = {carrier.code: carrier for carrier in (
    Carrier("SF", _("SF Express"), "shunfeng", "顺丰速运"),
    Carrier("ZTO", _("ZTO Express"), "zhongtong", "中通快递"),
    Carrier("YTO", _("YTO Express"), "yuantong", "圆通速递"),
    Carrier("STO", _("STO Express"), "shentong", "申通快递"),
    Carrier("YD", _("Yunda Express"), "yunda", "韵达快递"),
    Carrier("JD", _("JD Logistics"), "jd", "京东物流"),
    Carrier("EMS", _("China Post EMS"), "ems", "中国邮政 EMS"),
)}
BY_KUAIDI100 = {carrier.kuaidi100: carrier for carrier in CARRIERS.values()}

#: 快递100's ``state`` codes as the shop's tracking statuses.
KUAIDI100_STATES = {
    "0": "in_transit", "1": "accepted", "2": "exception", "3": "delivered", "4": "returned",
    "5": "out_for_delivery", "6": "returning", "7": "in_transit", "8": "customs",
    "10": "customs", "11": "customs", "12": "customs", "13": "exception", "14": "rejected",
}
#: The same states in words, as ``resultv2`` = 1 names each entry's.
KUAIDI100_WORDS = {
    "在途": "in_transit", "揽收": "accepted", "疑难": "exception", "签收": "delivered",
    "退签": "returned", "派件": "out_for_delivery", "退回": "returning", "转投": "in_transit",
    "清关": "customs", "待清关": "customs", "清关中": "customs", "已清关": "customs",
    "清关异常": "exception", "拒签": "rejected",
}
SIGNED = "3"
#: Companies that answer only with the recipient's (or sender's) phone: 顺丰. Others are not
#: sent it: the shop hands out a shopper's number only where it must.
PHONE_REQUIRED = frozenset({"shunfeng"})


class CarrierError(Exception):
    """The carrier could not be asked, refused the question, or answered no timeline.

    ``code`` is the service's own error code when it gave one (快递100's ``returnCode``).
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code


@dataclass(frozen=True)
class CarrierEvent:
    occurred_at: datetime  # aware UTC
    status: str
    location: str
    description: str


@dataclass(frozen=True)
class TrackingResult:
    #: Newest first, as the carrier told them.
    events: tuple[CarrierEvent, ...]
    #: Whether the carrier says the recipient signed for it (签收).
    delivered: bool


class CarrierTracker(Protocol):
    def track(self, carrier: str, tracking_number: str, *,
              phone: str | None = None) -> TrackingResult:
        """The parcel's timeline; ``CarrierError`` when there is none to be had now."""
        ...


#: How an adapter reaches its service: (url, form fields) → (HTTP status, body).
Transport = Callable[[str, Mapping[str, str]], tuple[int, bytes]]


def urllib_transport(url: str, form: Mapping[str, str]) -> tuple[int, bytes]:
    """A form POST with the standard library, bounded in time and size (the OAuth client)."""
    try:
        reply = HttpClient().post(url, form)
    except ProviderError as exc:
        raise CarrierError(str(exc)) from exc
    return reply.status, reply.body


def kuaidi100_sign(param: str, key: str, customer: str) -> str:
    return hashlib.md5((param + key + customer).encode(), usedforsecurity=False) \
        .hexdigest().upper()


class Kuaidi100Tracker:
    """The real-time query of 快递100 (https://api.kuaidi100.com), one POST per question."""

    def __init__(self, customer: str, key: str, transport: Transport | None = None,
                 url: str = KUAIDI100_URL) -> None:
        self.customer = customer
        self.key = key
        self.transport = transport or urllib_transport
        self.url = url

    def track(self, carrier: str, tracking_number: str, *,
              phone: str | None = None) -> TrackingResult:
        known = CARRIERS.get(carrier)
        if known is None:
            raise CarrierError(f"no 快递100 company code for carrier {carrier!r}")
        phone = phone if known.kuaidi100 in PHONE_REQUIRED else None
        param = json.dumps({"com": known.kuaidi100, "num": tracking_number, "phone": phone or "",
                            "resultv2": "1", "show": "0", "order": "desc"},
                           ensure_ascii=False, separators=(",", ":"))
        status, body = self.transport(self.url, {
            "customer": self.customer, "param": param,
            "sign": kuaidi100_sign(param, self.key, self.customer)})
        return parse_kuaidi100(status, body)


def parse_kuaidi100(status: int, body: bytes) -> TrackingResult:
    """The timeline in a 快递100 answer, or ``CarrierError`` saying what the answer was."""
    if status != 200:
        raise CarrierError(f"HTTP {status}: {body[:200]!r}")
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise CarrierError(f"not a JSON object: {body[:200]!r}")
    if answer.get("result") is False or "returnCode" in answer:
        raise CarrierError(str(answer.get("message") or "refused"),
                           str(answer.get("returnCode") or "") or None)
    if str(answer.get("status")) != "200":
        raise CarrierError(f"status {answer.get('status')!r}: {answer.get('message')!r}")
    state = str(answer.get("state", ""))
    entries = answer.get("data")
    if not isinstance(entries, list):
        raise CarrierError("the answer has no list of events (data)")
    events = tuple(_event(entry, state if index == 0 else None)
                   for index, entry in enumerate(entries))
    return TrackingResult(events, delivered=state == SIGNED)


def _event(entry: Any, overall_state: str | None) -> CarrierEvent:
    """One entry of ``data``; its status from its own words, else (the newest entry) from the
    parcel's state, else in transit."""
    if not isinstance(entry, dict):
        raise CarrierError(f"an event is not an object: {entry!r}")
    description = entry.get("context")
    if not isinstance(description, str) or not description.strip():
        raise CarrierError(f"an event has no text: {entry!r}")
    status = KUAIDI100_WORDS.get(str(entry.get("status") or ""))
    if status is None:
        status = KUAIDI100_STATES.get(overall_state or "", "in_transit")
    location = entry.get("areaName")
    return CarrierEvent(_china_time(entry.get("time") or entry.get("ftime")), status,
                        location.strip()[:100] if isinstance(location, str) else "",
                        description.strip()[:500])


def _china_time(value: Any) -> datetime:
    try:
        local = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise CarrierError(f"an event's time is not YYYY-MM-DD HH:MM:SS: {value!r}") from None
    return local.replace(tzinfo=CARRIER_TIME).astimezone(UTC)
