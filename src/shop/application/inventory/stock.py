"""The one path by which stock is promised, given back and sent out: ``uow._stock``.

Checkout reserves (库存占用) when an order is placed, releases when it is cancelled or its
payment times out, deducts when it is paid (a cash-on-delivery order: when it ships), and takes
at payment what was sold without a reservation (付款减库存), recording any shortfall; the
warehouse and purchasing modules reuse the same steps for transfers, outbounds and receipts.
They are steps of use cases, not use cases: each caller has checked its own permission and
rules (a shopper may reserve stock for their own order, not for any owner), so no unit of work
offers them to its caller.

Every step locks stock levels in SKU-id order, so two owners holding the same SKUs can never
wait on each other in a circle; every change writes its movement and records
``inventory.stock_changed`` for the listing and whoever else follows stock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from shop.application.errors import Conflict, Invalid, NotFound
from shop.application.events.catalog import StockChanged
from shop.application.i18n import _
from shop.data.repositories.inventory import InventoryRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Who may hold stock: an order now; stock transfers and outbound orders with the warehouse.
OWNER_KINDS = frozenset({"order", "transfer", "outbound"})


@dataclass(frozen=True)
class Owner:
    """Whose reservation: ``Owner("order", "R20261201…")``."""

    kind: str
    ref: str

    def __post_init__(self) -> None:
        if self.kind not in OWNER_KINDS or not 0 < len(self.ref) <= 64:
            raise ValueError(f"not a stock owner: {self.kind!r} {self.ref!r}")

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


@dataclass(frozen=True)
class StockLine:
    sku_id: int
    quantity: int


class _SoldOut(Exception):
    def __init__(self, sku_id: int) -> None:
        self.sku_id = sku_id


class NotEnoughStock(Conflict):
    """Fewer of SKU ``sku_id`` are available than a reservation asks for: the caller may name
    the SKU in its own words (checkout names the product and variant)."""

    def __init__(self, message: str, sku_id: int, available: int) -> None:
        super().__init__(message)
        self.sku_id = sku_id
        self.available = available


class StockKeeper:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = InventoryRepository(uow._session)

    @cached_property
    def warehouse_id(self) -> int:
        """Where stock is kept until the warehouse module chooses among several."""
        return self.repo.default_warehouse_id()

    def open(self, on_hand: Mapping[int, int]) -> None:
        """New SKUs' first stock, each with an ``opening`` movement."""
        self.repo.open_levels(self.warehouse_id, on_hand)
        self._log([(sku_id, self.warehouse_id, quantity, 0)
                   for sku_id, quantity in on_hand.items()], "opening", "")

    def reserve(self, owner: Owner, lines: Iterable[StockLine], expires_at: datetime) -> None:
        """Promise every line to ``owner``, or nothing.

        Lines on the same SKU count together. ``Conflict`` names the first SKU that has too few
        available; ``Invalid`` a line that is not a positive quantity of a known SKU.
        """
        wanted: Counter[int] = Counter()
        for line in lines:
            if line.quantity <= 0:
                raise Invalid({"lines": _("A quantity must be at least 1")})
            wanted[line.sku_id] += line.quantity
        if not wanted:
            raise Invalid({"lines": _("Nothing to reserve")})
        if self.repo.has_active(owner.kind, owner.ref):
            raise Conflict(_("${owner} already holds stock", mapping={"owner": str(owner)}))
        quantities = {sku_id: wanted[sku_id] for sku_id in sorted(wanted)}
        try:
            with self.repo.savepoint():
                for sku_id, quantity in quantities.items():
                    if not self.repo.reserve(sku_id, self.warehouse_id, quantity):
                        raise _SoldOut(sku_id)
        except _SoldOut as sold_out:
            # Only now asked why (the usual reservation costs no read): short, or not kept.
            level = self.repo.levels([sold_out.sku_id], self.warehouse_id).get(sold_out.sku_id)
            if level is None:
                raise Invalid({"lines": _("No stock is kept for SKU ${sku}",
                                          mapping={"sku": sold_out.sku_id})}) from None
            available = max(level.available, 0)
            raise NotEnoughStock(_("Not enough ${sku} in stock: ${available} available",
                                   mapping={"sku": level.code, "available": available}),
                                 sold_out.sku_id, available) from None
        self.repo.add_reservations(owner.kind, owner.ref, self.warehouse_id, quantities,
                                   expires_at)
        self._log([(sku_id, self.warehouse_id, 0, quantity)
                   for sku_id, quantity in quantities.items()], "reserve", str(owner))

    def release(self, owner: Owner) -> int:
        """Give the owner's active reservations back; how many there were (0 the second time)."""
        return self._close(owner, "released")

    def deduct(self, owner: Owner) -> int:
        """The owner's reserved units leave the warehouse; 0 when already deducted or released."""
        return self._close(owner, "deducted")

    def lock(self, sku_ids: Iterable[int]) -> None:
        """Hold the SKUs' levels until commit, in id order: a step that goes on to deduct some
        and take others locks them all first, so it never waits on another in a circle."""
        self.repo.lock_levels(sorted(set(sku_ids)), self.warehouse_id)

    def take(self, owner: Owner, lines: Iterable[StockLine]) -> dict[int, int]:
        """Units that leave without having been reserved (付款减库存, sold at payment): as many as
        are available, and a shortfall recorded for staff for the rest. SKU id -> units short.
        """
        wanted: Counter[int] = Counter()
        for line in lines:
            wanted[line.sku_id] += line.quantity
        available = self.repo.lock_levels(sorted(wanted), self.warehouse_id)
        taken, short = {}, {}
        for sku_id in sorted(wanted):
            taken[sku_id] = min(max(available.get(sku_id, 0), 0), wanted[sku_id])
            if taken[sku_id] and not self.repo.take(sku_id, self.warehouse_id, taken[sku_id]):
                raise RuntimeError(f"SKU {sku_id} changed under its lock")
            if wanted[sku_id] > taken[sku_id]:
                short[sku_id] = wanted[sku_id] - taken[sku_id]
        self.repo.record_shortfalls(owner.kind, owner.ref, self.warehouse_id, short)
        self._log([(sku_id, self.warehouse_id, -quantity, 0)
                   for sku_id, quantity in taken.items() if quantity], "deduct", str(owner))
        return short

    def put_back(self, owner: Owner, lines: Iterable[StockLine]) -> None:
        """Units ``owner`` took that come back on hand unsold (an order cancelled after it was
        paid, before it shipped); what it was sold beyond the stock (a shortfall) never left,
        so it does not come back."""
        short = self.repo.shortfalls(owner.kind, owner.ref)
        back: Counter[int] = Counter()
        for line in lines:
            back[line.sku_id] += line.quantity
        self.lock(back)
        changes = []
        for sku_id in sorted(back):
            quantity = back[sku_id] - short.get(sku_id, 0)
            if quantity > 0 and self.repo.adjust(sku_id, self.warehouse_id, quantity):
                changes.append((sku_id, self.warehouse_id, quantity, 0))
        self._log(changes, "put_back", str(owner))

    def restock(self, reference: str, lines: Iterable[StockLine]) -> None:
        """Units that came back from a customer (a return) go on hand again, logged as
        ``return`` against ``reference`` (``rma:S2026…``)."""
        back: Counter[int] = Counter()
        for line in lines:
            back[line.sku_id] += line.quantity
        self.lock(back)
        changes = [(sku_id, self.warehouse_id, back[sku_id], 0) for sku_id in sorted(back)
                   if back[sku_id] > 0
                   and self.repo.adjust(sku_id, self.warehouse_id, back[sku_id])]
        self._log(changes, "return", reference)

    def adjust(self, sku_id: int, delta: int, reason: str) -> None:
        """Count ``delta`` more or fewer on hand; ``Conflict`` when that would leave less on
        hand than is reserved."""
        if not self.repo.adjust(sku_id, self.warehouse_id, delta):
            level = self.repo.levels([sku_id], self.warehouse_id).get(sku_id)
            if level is None:
                raise NotFound(f"no stock is kept for SKU {sku_id}")
            raise Conflict(_("${sku} has ${on_hand} on hand, ${reserved} of them reserved",
                             mapping={"sku": level.code, "on_hand": level.on_hand,
                                      "reserved": level.reserved}))
        self._log([(sku_id, self.warehouse_id, delta, 0)], "adjust", reason)

    # -- steps ---------------------------------------------------------------------------------

    def _close(self, owner: Owner, state: str) -> int:
        changes = []
        for reservation in self.repo.active_reservations(owner.kind, owner.ref):
            if not self.repo.close_reservation(reservation.id, state):
                continue  # closed meanwhile by another transaction: its stock went with it
            step = self.repo.deduct if state == "deducted" else self.repo.unreserve
            if not step(reservation.sku_id, reservation.warehouse_id, reservation.quantity):
                raise RuntimeError(f"reservation {reservation.id} holds more than is reserved")
            changes.append((reservation.sku_id, reservation.warehouse_id,
                            -reservation.quantity if state == "deducted" else 0,
                            -reservation.quantity))
        self._log(changes, "deduct" if state == "deducted" else "release", str(owner))
        return len(changes)

    def _log(self, changes: list[tuple[int, int, int, int]], reason: str,
             reference: str) -> None:
        """One movement per (SKU, warehouse, on-hand delta, reserved delta), and the event
        that says the SKU's stock changed there."""
        actor = self.uow.actor.name
        self.repo.log([{"sku_id": sku_id, "warehouse_id": warehouse_id, "delta": delta,
                        "reserved_delta": reserved_delta, "reason": reason,
                        "reference": reference, "actor": actor}
                       for sku_id, warehouse_id, delta, reserved_delta in changes])
        self.uow._events.record_all([
            (StockChanged.name, StockChanged(sku_id=sku_id, warehouse_id=warehouse_id)
             .to_payload())
            for sku_id, warehouse_id in sorted({change[:2] for change in changes})])
