"""Which carrier tracker the shop uses, read and checked in one place (at start-up).

    shop.tracking.adapter = off | simulator | kuaidi100   # off when not set: nobody is polled
    shop.tracking.kuaidi100.customer = …   # or SHOP_KUAIDI100_CUSTOMER (公司编号)
    shop.tracking.kuaidi100.key = …        # or SHOP_KUAIDI100_KEY (授权key)
    shop.tracking.kuaidi100.url = https://poll.kuaidi100.com/poll/query.do

``kuaidi100`` without a customer or a key is refused when the shop starts (``Invalid`` names
the setting), rather than failing every poll later. ``simulator`` runs the same adapter against
``Kuaidi100Simulator`` (development and tests): no network, a plausible timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shop.application.errors import Invalid
from shop.application.shipments.carriers import KUAIDI100_URL, CarrierTracker, Kuaidi100Tracker
from shop.application.shipments.simulator import Kuaidi100Simulator

if TYPE_CHECKING:
    from shop.application import Shop

ADAPTERS = ("off", "simulator", "kuaidi100")
SIMULATOR_CUSTOMER = "SIMULATOR"
SIMULATOR_KEY = "simulator-key"


@dataclass(frozen=True)
class TrackingSettings:
    adapter: str
    customer: str
    key: str
    url: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> TrackingSettings:
        adapter = str(settings.get("shop.tracking.adapter") or "off").strip()
        if adapter not in ADAPTERS:
            raise Invalid({"shop.tracking.adapter": f"one of {', '.join(ADAPTERS)}, "
                                                    f"not {adapter!r}"})
        prefix = "shop.tracking.kuaidi100."
        customer = str(settings.get(prefix + "customer") or "").strip()
        key = str(settings.get(prefix + "key") or "").strip()
        if adapter == "kuaidi100":
            missing = {prefix + name: "required with shop.tracking.adapter = kuaidi100"
                       for name, value in (("customer", customer), ("key", key)) if not value}
            if missing:
                raise Invalid(missing)
        elif adapter == "simulator":
            customer, key = customer or SIMULATOR_CUSTOMER, key or SIMULATOR_KEY
        url = str(settings.get(prefix + "url") or KUAIDI100_URL).strip()
        return cls(adapter, customer, key, url)

    def tracker(self, shop: Shop) -> CarrierTracker | None:
        """The tracker these settings choose; None when tracking is off."""
        if self.adapter == "kuaidi100":
            return Kuaidi100Tracker(self.customer, self.key, url=self.url)
        if self.adapter == "simulator":
            simulator = Kuaidi100Simulator(self.customer, self.key, shop.clock,
                                           lambda carrier, number: _shipped_at(shop, carrier,
                                                                               number))
            return Kuaidi100Tracker(self.customer, self.key, simulator, url=self.url)
        return None


def _shipped_at(shop: Shop, carrier: str, number: str) -> datetime | None:
    """The simulator's one look at the shop: when the shop recorded this shipment."""
    with shop.transaction(shop.system_actor("tracking-simulator"), writes=False) as tx:
        return tx.shipments.shipped_at(carrier, number)
