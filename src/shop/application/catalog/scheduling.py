"""The job that publishes scheduled products (``publish-scheduled-products``).

A hidden product given a ``publish_at`` moment goes live at the first run after it: its
listing rows and its share of the ready facet counts are derived then, in the same
transaction, so listings show it from that commit on. Safe to run twice at once: each product
is published by a conditional update, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop.application import Shop


@dataclass(frozen=True)
class PublishedProducts:
    published: int


def publish_scheduled_products(shop: Shop) -> PublishedProducts:
    with shop.transaction(shop.system_actor("publish-scheduled-products")) as tx:
        return PublishedProducts(tx.products.publish_due())
