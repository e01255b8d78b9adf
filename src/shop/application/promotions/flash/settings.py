"""Which burst lane the shop runs flash sales through, from its settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shop.application.errors import Invalid
from shop.application.promotions.flash.lane import BurstLane
from shop.application.promotions.flash.redis_lane import RedisLane

#: ``redis://host:port/db``: the burst lane's Redis. Unset (as in ``make run``): none.
URL_SETTING = "shop.flash_sales.redis_url"
#: What the lane's keys start with, so that shops (or test runs) can share one Redis.
PREFIX_SETTING = "shop.flash_sales.redis_prefix"


def lane_from_settings(settings: Mapping[str, Any]) -> BurstLane | None:
    url = str(settings.get(URL_SETTING) or "").strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise Invalid({URL_SETTING: "a redis://, rediss:// or unix:// URL"})
    prefix = str(settings.get(PREFIX_SETTING) or "shop").strip()
    return RedisLane.from_url(url, prefix)
