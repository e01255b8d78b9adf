"""Payment and refund numbers: the time they were made (yyyyMMddHHmmss in the shop's zone, which
UnionPay needs back as txnTime to query a trade), then 8 random digits. Gateways take 32
characters of [0-9A-Za-z]; the database's unique key is the final word on a clash."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo


def draw_number(now: datetime, zone: ZoneInfo, prefix: str = "") -> str:
    stamp = now.astimezone(zone).strftime("%Y%m%d%H%M%S")
    return prefix + stamp + "".join(secrets.choice("0123456789") for _ in range(8))
