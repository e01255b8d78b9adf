"""What a stock adjustment must look like, from staff or a script."""

from __future__ import annotations

import colander

from shop.application.i18n import _

#: No single adjustment moves more than this many units: a typo, not a stock count.
MAX_ADJUSTMENT = 1_000_000


def _not_zero(node: colander.SchemaNode, value: int) -> None:
    if value == 0:
        raise colander.Invalid(node, _("An adjustment changes the stock: not 0"))


class StockAdjustmentSchema(colander.MappingSchema):
    sku = colander.SchemaNode(colander.String(), validator=colander.Length(1, 80))
    delta = colander.SchemaNode(colander.Int(), validator=colander.All(
        colander.Range(-MAX_ADJUSTMENT, MAX_ADJUSTMENT), _not_zero))
    reason = colander.SchemaNode(colander.String(), validator=colander.Length(1, 200))
