"""Flash-sale test data (a SKU on a flash sale, buyers with an address) and a burst lane on
the machine's Redis under a prefix of the test's own, removed afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from redis.exceptions import RedisError

from shop.application import Shop
from shop.application.promotions.flash.redis_lane import RedisLane
from tests.coupons_support import MARKETER
from tests.ordering_support import Buyer, prepare_shop, sku_codes

REDIS_URL = os.environ.get("SHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Nothing listens here: a Redis that is down.
NO_REDIS = "redis://127.0.0.1:1/0"


def flash_sku(shop: Shop, clock: Any, *, quota: int, stock: int = 100, limit: int | None = 1,
              price: str = "100.00", flash_price: str = "50.00",
              hours: float = 1) -> str:
    """A SKU at ``price`` on the flash sale ``flash`` (``quota`` units at ``flash_price``,
    ``limit`` per shopper) running for ``hours`` from now: its code."""
    now = clock.now()
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        sku = sku_codes(tx, stock=stock, price=price)[0]
    with shop.transaction(MARKETER) as tx:
        tx.promotions.create({
            "code": "flash", "name_zh": "秒杀", "name_en": "Flash", "kind": "flash_sale",
            "rule": {"items": f"{sku}:{flash_price}:{quota}"}, "per_customer_limit": limit,
            "starts_at": (now - timedelta(minutes=5)).isoformat(),
            "ends_at": (now + timedelta(hours=hours)).isoformat()})
    return sku


def buy(shop: Shop, who: Buyer, sku: str, quantity: int = 1, **form: Any) -> Any:
    data = {"campaign": "flash", "sku": sku, "quantity": str(quantity),
            "idempotency_key": secrets.token_urlsafe(18), "address": str(who.address_id),
            "shipping_method": "express", **form}
    with shop.transaction(who.actor) as tx:
        return tx.flash_sales.buy(data)


def ticket(shop: Shop, who: Buyer, key: str) -> Any:
    with shop.transaction(who.actor, writes=False) as tx:
        return tx.flash_sales.ticket(key)


def redis_lane() -> Iterator[RedisLane]:
    """A lane on the test Redis under a fresh prefix; skipped when Redis does not answer
    (a failure where ``SHOP_REQUIRE_REDIS=true``, as ``make test`` sets when it answers)."""
    lane = RedisLane.from_url(REDIS_URL, prefix=f"test-{secrets.token_hex(6)}")
    try:
        lane.client.ping()
    except RedisError as exc:
        if os.environ.get("SHOP_REQUIRE_REDIS") == "true":
            pytest.fail(f"Redis at {REDIS_URL} does not answer: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} does not answer: {exc}")
    yield lane
    keys = list(lane.client.scan_iter(f"{lane.prefix}:*"))
    if keys:
        lane.client.delete(*keys)
    lane.client.close()
