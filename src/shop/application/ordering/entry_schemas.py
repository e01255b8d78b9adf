"""What an order entered by staff must look like (``shop.application.ordering.entry``): a phone
order, a zero-amount order, a group-buy import, and the decision on a zero-amount order. One
definition for the back-office forms, the service and the library."""

from __future__ import annotations

from typing import Any

import colander

from shop.application.i18n import _
from shop.application.ordering.payment_methods import CASH_ON_DELIVERY, ONLINE
from shop.application.ordering.schemas import IDEMPOTENCY_KEY, MAX_REMARKS

#: A zero-amount order's approval (``Order.approval``).
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
APPROVAL_LABELS = {PENDING: _("Waiting for approval"), APPROVED: _("Approved"),
                   REJECTED: _("Rejected")}

#: Lines of ``items`` an order may hold, and rows a group-buy file may hold.
MAX_LINES = 50
MAX_IMPORT_ROWS = 2000
#: The largest group-buy file accepted, in bytes.
MAX_IMPORT_BYTES = 1_000_000


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _text(title: Any, lo: int, hi: int, **kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), title=title, preparer=_strip,
                               validator=colander.Length(lo, hi), **kw)


class OrderEntrySchema(colander.MappingSchema):
    """What every order staff enter says: for whom, what, where, how it ships.

    ``customer``: the shopper's mobile number or email. One not found is created when
    ``new_customer`` is ticked (a mobile number and ``customer_name`` needed; no password: they
    claim the account later by logging in with a code).
    ``items``: one line per SKU, its code and a quantity ("TEE-RED-M 2"; the quantity may be
    left out for 1).
    ``address``: an address-book id of the shopper's, or left out with the address typed in
    (``recipient``, ``mobile``, ``province``, ``city``, ``district``, ``street``, ``postcode``,
    checked as the address book checks them).
    """

    idempotency_key = colander.SchemaNode(
        colander.String(), validator=colander.Regex(IDEMPOTENCY_KEY, msg=_(
            "This form has expired: reload the page")),
        missing_msg=_("This form has expired: reload the page"))
    customer = _text(_("Customer's mobile or email"), 3, 254,
                     missing_msg=_("Enter the customer's mobile number or email"))
    new_customer = colander.SchemaNode(colander.Boolean(), title=_("Create the customer"),
                                       missing=False)
    customer_name = _text(_("New customer's name"), 0, 30, missing="")
    items = _text(_("Items"), 1, 4000, missing_msg=_("Enter at least one SKU code"))
    address = _text(_("Address-book address"), 0, 20, missing="")
    shipping_method = _text(_("Shipping method"), 1, 40,
                            missing_msg=_("Choose a shipping method"))
    remarks = _text(_("Remarks"), 0, MAX_REMARKS, missing="")


class PhoneOrderSchema(OrderEntrySchema):
    """A phone order (电话订购): paid on delivery, or online by the shopper later."""

    payment_method = colander.SchemaNode(
        colander.String(), title=_("Payment method"),
        validator=colander.OneOf((ONLINE, CASH_ON_DELIVERY)),
        missing_msg=_("Choose a payment method"))


class ZeroAmountOrderSchema(OrderEntrySchema):
    """A zero-amount order (无金额订单): a gift or a replacement, with the reason."""

    reason = _text(_("Reason"), 2, 200, missing_msg=_("Say why this order costs nothing"))


class DecisionSchema(colander.MappingSchema):
    """A second staff member's decision on a zero-amount order; a rejection says why."""

    decision = colander.SchemaNode(colander.String(), title=_("Decision"),
                                   validator=colander.OneOf(("approve", "reject")),
                                   missing_msg=_("Approve or reject"))
    note = _text(_("Note"), 0, 200, missing="")


class GroupBuyImportSchema(colander.MappingSchema):
    """A group-buy file (``content``: its text, UTF-8) and whether only to check it."""

    content = colander.SchemaNode(colander.String(), title=_("CSV file"),
                                  validator=colander.Length(1, MAX_IMPORT_BYTES),
                                  missing_msg=_("Choose a CSV file"))
    dry_run = colander.SchemaNode(colander.Boolean(), title=_("Only check the file"),
                                  missing=False)


#: The group-buy file's columns, in the header row (their order does not matter).
IMPORT_COLUMNS = ("external_id", "platform", "recipient", "mobile", "province", "city",
                  "district", "address", "sku_code", "quantity", "paid_amount", "paid_at")
