"""Order numbers: the shop's date, then random digits.

Readable over the phone, sortable by day, and not guessable in sequence: knowing one order's
number tells nothing about the next (12 digits from ``secrets``). The database's unique key is
the final word: a draw that hits a taken number (one in a million draws at a million orders
a day) draws again.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

RANDOM_DIGITS = 12


def draw_order_number(now: datetime, zone: ZoneInfo) -> str:
    """``20261201`` + 12 random digits: 20 characters."""
    day = now.astimezone(zone).strftime("%Y%m%d")
    return day + "".join(secrets.choice("0123456789") for _ in range(RANDOM_DIGITS))
