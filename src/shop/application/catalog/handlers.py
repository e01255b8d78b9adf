"""How the catalog reacts to other domains' events (see ``shop.application.events.registry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.application.events.catalog import StockChanged
from shop.application.events.handlers import handles

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@handles(StockChanged, "catalog.stock_status")
def follow_stock(uow: UnitOfWork, event: StockChanged) -> None:
    """The listing's 有货/缺货 flag of the SKU's product, from the stock as it is now."""
    uow.catalog.on_stock_changed(event.sku_id)


HANDLERS = (follow_stock,)
