"""``shop-admin INI flash-sales work|reconcile``: the burst lane's worker and books at the
console."""

from __future__ import annotations

import pytest

from shop.application import Invalid
from shop.presentation import cli
from tests.flash_support import buy, flash_sku, redis_lane
from tests.ordering_support import buyer


def run(shop, *argv):
    args = cli.parser().parse_args(["development.ini", "flash-sales", *argv])
    return args.handler(shop, args)


@pytest.fixture
def lane(shop):
    for found in redis_lane():
        shop.flash_lane = found
        yield found
        shop.flash_lane = None


def test_the_worker_writes_the_queue_and_the_books_say_so(shop, clock, lane, capsys):
    sku = flash_sku(shop, clock, quota=3)
    for _ in range(2):
        buy(shop, buyer(shop), sku)
    assert run(shop, "work", "--until-idle") == 0
    assert "2 written, 0 refused, 0 left for reconcile" in capsys.readouterr().out
    assert run(shop, "reconcile") == 0
    said = capsys.readouterr().out
    assert "2/3 sold (database); lane 1 left, 0 queued; 2 admitted, 2 written" in said


def test_without_a_lane_the_worker_says_what_to_set(shop):
    with pytest.raises(Invalid) as refused:
        run(shop, "work", "--until-idle")
    assert "shop.flash_sales.redis_url" in refused.value.errors
