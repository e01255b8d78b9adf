"""What the back office's order desk accepts: the list's filters, a flag, a note, a review
decision and the review rules. One definition for the pages, the service and the library."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.money import Money
from shop.application.ordering import states
from shop.application.ordering.payment_methods import LABELS as PAYMENT_LABELS

#: Staff flags (订单标记): three fixed kinds and a custom text.
URGENT, RISK, VIP, CUSTOM = "urgent", "risk", "vip", "custom"
FLAG_LABELS = {URGENT: _("Urgent"), RISK: _("Risk"), VIP: _("VIP"), CUSTOM: _("Custom")}
MAX_FLAG_TEXT = 40
MAX_NOTE = 500

#: Review statuses (订单审核) and the decisions staff take on one.
PENDING, APPROVED, REJECTED, HELD = "pending", "approved", "rejected", "held"
REVIEW_LABELS = {PENDING: _("Awaiting review"), APPROVED: _("Approved"),
                 REJECTED: _("Rejected"), HELD: _("On hold")}
#: The list's review filter: "queue" is what waits for a person (pending and held).
REVIEW_FILTERS = ("queue", *REVIEW_LABELS)
DECISIONS = {"approve": APPROVED, "reject": REJECTED, "hold": HELD}

SORTS = ("newest", "oldest", "payable_desc", "payable_asc")
SORT_LABELS = {"newest": _("Newest first"), "oldest": _("Oldest first"),
               "payable_desc": _("Largest amount first"),
               "payable_asc": _("Smallest amount first")}
ORDER_NUMBER = r"^[0-9]{20}$"
DAYS = colander.Range(date(1970, 1, 1), date(9998, 12, 31),
                      min_err=_("Give a date from ${min}"), max_err=_("Give a date up to ${max}"))
AMOUNTS = colander.Range(min=Decimal("0.00"), max=Decimal("999999999999.99"),
                         min_err=_("Not below 0"), max_err=_("That amount is too large"))


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _one_of(values: Any, missing: str = "") -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_strip, missing=missing,
                               validator=colander.OneOf(["", *values] if missing == "" else
                                                        list(values)))


class OrderQuerySchema(colander.MappingSchema):
    """The order list's filters; every one may be left out."""

    state = _one_of(states.LABELS)
    since = colander.SchemaNode(colander.Date(), missing=None, validator=DAYS)
    until = colander.SchemaNode(colander.Date(), missing=None, validator=DAYS)
    min_payable = colander.SchemaNode(Money(), missing=None, validator=AMOUNTS)
    max_payable = colander.SchemaNode(Money(), missing=None, validator=AMOUNTS)
    payment_method = _one_of(tuple(PAYMENT_LABELS))
    flag = _one_of(FLAG_LABELS)
    review = _one_of(REVIEW_FILTERS)
    #: An order number (20 digits) or a recipient's mainland mobile number.
    q = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                            validator=colander.Length(max=40))
    sort = _one_of(SORTS, missing="newest")
    #: The last order number of the page before (keyset paging).
    after = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                                validator=colander.Regex(r"^([0-9]{20})?$",
                                                         msg=_("No such order")))


class FlagSchema(colander.MappingSchema):
    kind = colander.SchemaNode(colander.String(), title=_("Flag"), preparer=_strip,
                               validator=colander.OneOf(list(FLAG_LABELS),
                                                        msg_err=_("Choose a flag")),
                               missing_msg=_("Choose a flag"))
    #: The words of a custom flag; ignored for the fixed kinds.
    text = colander.SchemaNode(
        colander.String(), title=_("Custom text"), preparer=_strip, missing="",
        validator=colander.Length(max=MAX_FLAG_TEXT, max_err=_(
            "At most ${max} characters", mapping={"max": MAX_FLAG_TEXT})))


class NoteSchema(colander.MappingSchema):
    text = colander.SchemaNode(
        colander.String(), title=_("Note"), preparer=_strip,
        validator=colander.Length(1, MAX_NOTE, min_err=_("Write the note"), max_err=_(
            "At most ${max} characters", mapping={"max": MAX_NOTE})),
        missing_msg=_("Write the note"))


class ReviewSchema(colander.MappingSchema):
    decision = colander.SchemaNode(
        colander.String(), title=_("Decision"), preparer=_strip,
        validator=colander.OneOf(list(DECISIONS), msg_err=_("Choose approve, reject or hold")),
        missing_msg=_("Choose approve, reject or hold"))
    note = colander.SchemaNode(
        colander.String(), title=_("Note"), preparer=_strip, missing="",
        validator=colander.Length(max=100, max_err=_(
            "At most ${max} characters", mapping={"max": 100})))


class ReviewRulesSchema(colander.MappingSchema):
    """When orders are reviewed, and which the rules approve without a person."""

    enabled = colander.SchemaNode(colander.Boolean(), title=_("Review orders before shipping"),
                                  missing=False)
    #: Approve automatically only below this payable (None: any amount).
    max_payable = colander.SchemaNode(Money(), title=_("Approve automatically below (¥)"),
                                      missing=None, validator=AMOUNTS)
    require_address = colander.SchemaNode(
        colander.Boolean(), title=_("Only with a complete address"), missing=False)
    no_risk_flag = colander.SchemaNode(
        colander.Boolean(), title=_("Only without a risk flag"), missing=False)
    #: Mobile numbers whose orders always wait for a person (黑名单), separated by commas
    #: or lines; matched against the order's recipient mobile.
    blacklist = colander.SchemaNode(
        colander.String(), title=_("Blacklisted shoppers"), preparer=_strip, missing="",
        validator=colander.Length(max=2000, max_err=_(
            "At most ${max} characters", mapping={"max": 2000})))
