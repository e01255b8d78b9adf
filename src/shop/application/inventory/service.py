"""Inventory use cases (``uow.inventory``): what can be sold, and staff's stock adjustments.

Reserving, releasing and deducting are checkout's steps (``uow._stock``, see ``stock.py``),
not offered here: on its own, a reservation for any owner would let a caller hold stock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shop.application.actors import Permission
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.inventory.schemas import StockAdjustmentSchema
from shop.application.validation import entity_key, validate
from shop.data.repositories.inventory import InventoryRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@dataclass(frozen=True)
class StockView:
    sku: str
    on_hand: int
    reserved: int
    available: int


class InventoryService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = InventoryRepository(uow._session)

    def available(self, sku_ids: Iterable[int]) -> dict[int, int]:
        """How many of each SKU can still be sold (on hand minus reserved, every warehouse);
        0 for a SKU the shop keeps no stock of."""
        keys = {key for key in map(entity_key, sku_ids) if key is not None}
        levels = self._repo.levels(keys) if keys else {}
        return {sku_id: levels[sku_id].available if sku_id in levels else 0
                for sku_id in sorted(keys)}

    def adjust(self, sku: str, delta: int, reason: str) -> StockView:
        """Count ``delta`` more (or fewer) of SKU code ``sku`` on hand, for ``reason`` (a stock
        count, breakage …): staff with ``wms:stock:manage`` or a script; audited.

        ``Conflict`` when fewer would be left on hand than are reserved for orders.
        """
        self.uow.actor.require(Permission.STOCK_MANAGE)
        values = validate(StockAdjustmentSchema(),
                          {"sku": sku, "delta": str(delta), "reason": reason})
        sku_id = self._repo.sku_ids_by_code([values["sku"]]).get(values["sku"])
        if sku_id is None:
            raise Invalid({"sku": _("No such SKU")})
        before = self._level(sku_id)
        self.uow._stock.adjust(sku_id, values["delta"], values["reason"])
        after = self._level(sku_id)
        self.uow._audit.record("inventory.adjust", "sku", sku_id,
                               before={"on_hand": before.on_hand},
                               after={"on_hand": after.on_hand, "delta": values["delta"],
                                      "reason": values["reason"]})
        return after

    def _level(self, sku_id: int) -> StockView:
        level = self._repo.levels([sku_id]).get(sku_id)
        if level is None:
            raise Invalid({"sku": _("No stock is kept for this SKU")})
        return StockView(level.code, level.on_hand, level.reserved, level.available)
