"""What a shopper submits to the service center and what staff submit on a request."""

from __future__ import annotations

import colander

from shop.application.i18n import _
from shop.application.rma.policy import REASONS
from shop.application.rma.states import KINDS
from shop.application.shipments.schemas import ShipmentSchema
from shop.application.validation import MAX_KEY

MAX_PHOTOS = 5


class RequestLineSchema(colander.MappingSchema):
    line = colander.SchemaNode(colander.Int(), validator=colander.Range(1, MAX_KEY))
    quantity = colander.SchemaNode(colander.Int(), missing=0, validator=colander.Range(
        0, 10000, min_err=_("Enter a quantity, 0 or more")))


class RequestLinesSchema(colander.SequenceSchema):
    line = RequestLineSchema()


class RmaRequestSchema(colander.MappingSchema):
    kind = colander.SchemaNode(colander.String(), title=_("What you ask for"),
                               validator=colander.OneOf(KINDS))
    reason = colander.SchemaNode(colander.String(), title=_("Reason"),
                                 validator=colander.OneOf(tuple(REASONS)))
    description = colander.SchemaNode(colander.String(), title=_("Description"), missing="",
                                      validator=colander.Length(max=500))
    lines = RequestLinesSchema(validator=colander.Length(
        1, 200, min_err=_("Choose at least one item")))


class StaffMessageSchema(colander.MappingSchema):
    message = colander.SchemaNode(colander.String(), title=_("Message to the customer"),
                                  missing="", validator=colander.Length(max=500))


class RejectSchema(colander.MappingSchema):
    message = colander.SchemaNode(colander.String(), title=_("Why (the customer reads it)"),
                                  validator=colander.Length(1, 500))


DISPOSITIONS = (("restock", _("Back on sale (restock)")),
                ("write_off", _("Write off (not sellable)")))


class ReceiveSchema(colander.MappingSchema):
    disposition = colander.SchemaNode(colander.String(), title=_("Inspection result"),
                                      validator=colander.OneOf([d for d, _l in DISPOSITIONS]))
    message = colander.SchemaNode(colander.String(), title=_("Message to the customer"),
                                  missing="", validator=colander.Length(max=500))


class ReplacementSchema(ShipmentSchema):
    """The replacement order ships like any order: a carrier of the shop's and its tracking
    number, checked before anything is written; and a word to the customer."""

    message = colander.SchemaNode(colander.String(), title=_("Message to the customer"),
                                  missing="", validator=colander.Length(max=500))


class PolicySchema(colander.MappingSchema):
    category = colander.SchemaNode(colander.Int(), title=_("Category"),
                                   validator=colander.Range(1, MAX_KEY))
    no_reason_days = colander.SchemaNode(
        colander.Int(), title=_("No-reason return days (0: excluded)"),
        validator=colander.Range(0, 365))
    return_days = colander.SchemaNode(colander.Int(), title=_("Return and exchange days"),
                                      validator=colander.Range(0, 365))


TICKET_KINDS = (("suggestion", _("Suggestion")), ("complaint", _("Complaint")))


class TicketSchema(colander.MappingSchema):
    kind = colander.SchemaNode(colander.String(), title=_("Kind"),
                               validator=colander.OneOf([k for k, _l in TICKET_KINDS]))
    subject = colander.SchemaNode(colander.String(), title=_("Subject"),
                                  validator=colander.Length(1, 120))
    body = colander.SchemaNode(colander.String(), title=_("Message"),
                               validator=colander.Length(1, 2000))


class AnswerSchema(colander.MappingSchema):
    answer = colander.SchemaNode(colander.String(), title=_("Answer"),
                                 validator=colander.Length(1, 2000))
