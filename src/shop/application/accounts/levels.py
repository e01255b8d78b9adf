"""Member levels (会员等级): what a shopper's spending over the last year makes them.

A level is reached by spending its threshold (a base setting) on orders placed in the last
365 days that were paid and not called off; a campaign priced for a level (会员价) is for that
level and every level above it. Computed when asked (one query over the shopper's orders), so
a level follows refunds and cancellations without a job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from shop.application.i18n import _

#: The levels from the lowest, with their names.
LEVELS = {"silver": _("Silver member"), "gold": _("Gold member"),
          "platinum": _("Platinum member")}
#: A level's spending threshold in yuan until staff set one (base settings).
DEFAULT_THRESHOLDS = {"silver": "1000.00", "gold": "5000.00", "platinum": "20000.00"}
#: How far back spending counts.
WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class MemberStanding:
    """A shopper's level (None below the first), what they spent in the last year, and what
    more would reach the next level (None at the top)."""

    level: str | None
    level_name: Any
    spend: Decimal
    next_level: str | None
    next_name: Any
    to_next: Decimal | None


def reached(spend: Decimal, thresholds: Mapping[str, Decimal]) -> list[str]:
    """Every level ``spend`` reaches, lowest first."""
    return [level for level in LEVELS if spend >= thresholds[level]]


def standing(spend: Decimal, thresholds: Mapping[str, Decimal]) -> MemberStanding:
    levels = reached(spend, thresholds)
    level = levels[-1] if levels else None
    above = [name for name in LEVELS if name not in levels]
    following = above[0] if above else None
    return MemberStanding(
        level, LEVELS[level] if level else None, spend, following,
        LEVELS[following] if following else None,
        thresholds[following] - spend if following else None)
