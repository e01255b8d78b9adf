"""The RMA state machine: a request (rma申请单) is approved or rejected; an approved return or
exchange is the processing document (rma处理单) whose goods are received and inspected, then
refunded or replaced. A request moves only along an edge, and every move names the state it
leaves (a conditional UPDATE), so a double click or two staff at once move it once.
"""

from __future__ import annotations

from types import MappingProxyType

from shop.application.i18n import _

REQUESTED = "requested"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
RECEIVED = "received"
REFUNDED = "refunded"
REPLACED = "replaced"

REFUND = "refund"  # 仅退款: unshipped goods, or goods the shopper keeps (or never got)
RETURN = "return"  # 退货退款
EXCHANGE = "exchange"  # 换货
KINDS = (REFUND, RETURN, EXCHANGE)

EDGES = MappingProxyType({
    REQUESTED: frozenset({APPROVED, REJECTED, WITHDRAWN}),
    # A refund without goods is refunded straight from approval; a return or an exchange waits
    # for its goods. The shopper may still withdraw before sending them.
    APPROVED: frozenset({RECEIVED, REFUNDED, WITHDRAWN}),
    # Inspected: a return is refunded, an exchange replaced, or the goods are refused.
    RECEIVED: frozenset({REFUNDED, REPLACED, REJECTED}),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
    REFUNDED: frozenset(),
    REPLACED: frozenset(),
})

#: Which kinds may take each edge that not every kind takes.
KIND_EDGES = MappingProxyType({
    (APPROVED, REFUNDED): frozenset({REFUND}),
    (APPROVED, RECEIVED): frozenset({RETURN, EXCHANGE}),
    (RECEIVED, REFUNDED): frozenset({RETURN}),
    (RECEIVED, REPLACED): frozenset({EXCHANGE}),
})

#: Still open: the staff queue's default, and what holds a line's units.
OPEN = frozenset({REQUESTED, APPROVED, RECEIVED})

LABELS = MappingProxyType({
    REQUESTED: _("Awaiting review"),
    APPROVED: _("Approved"),
    REJECTED: _("Rejected"),
    WITHDRAWN: _("Withdrawn"),
    RECEIVED: _("Goods received"),
    REFUNDED: _("Refunded"),
    REPLACED: _("Replacement sent"),
})

KIND_LABELS = MappingProxyType({
    REFUND: _("Refund only"),
    RETURN: _("Return and refund"),
    EXCHANGE: _("Exchange"),
})


def can_move(kind: str, from_state: str, to_state: str) -> bool:
    if to_state not in EDGES.get(from_state, frozenset()):
        return False
    return kind in KIND_EDGES.get((from_state, to_state), frozenset(KINDS))
