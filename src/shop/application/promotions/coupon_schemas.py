"""What staff submit about coupons: a template (with its scope and stacking documents), a batch
of codes, a grant. The scope and stacking shapes defined here are the ones the promotion engine
reads back (``CouponOffer.scope`` / ``.stacking``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.money import MAX_AMOUNT, Money
from shop.application.promotions.coupon_codes import PUBLIC_CODE, normalize_code
from shop.application.shipping.schemas import WholeNumber
from shop.application.validation import MAX_KEY

KINDS = ("amount", "percent", "free_shipping")
STACKING_MODES = ("exclusive", "group_exclusive", "stackable")
#: The most coupons one batch or grant makes (one multi-row insert).
MAX_BATCH = 5000
MAX_QUANTITY = 10 ** 8


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _public_code(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return colander.null
    return normalize_code(value) if isinstance(value, str) else value


def _keys(name: str) -> colander.SchemaNode:
    return colander.SchemaNode(colander.Sequence(), colander.SchemaNode(
        WholeNumber(), validator=colander.Range(1, MAX_KEY, min_err=_("Not a known key"),
                                                max_err=_("Not a known key"))),
        name=name, missing=(), validator=colander.Length(max=1000))


class ScopeSchema(colander.MappingSchema):
    """What a coupon applies to: everything, or the listed categories, brands, products and
    SKUs; either way less the excluded products and SKUs."""

    everything = colander.SchemaNode(colander.Boolean(), missing=False)
    category_ids = _keys("category_ids")
    brand_ids = _keys("brand_ids")
    product_ids = _keys("product_ids")
    sku_ids = _keys("sku_ids")
    excluded_product_ids = _keys("excluded_product_ids")
    excluded_sku_ids = _keys("excluded_sku_ids")

    def validator(self, node: colander.SchemaNode, value: dict[str, Any]) -> None:
        listed = any(value[name] for name in ("category_ids", "brand_ids", "product_ids",
                                              "sku_ids"))
        if value["everything"] == listed:
            raise colander.Invalid(node, _("Choose everything, or the categories, brands, "
                                           "products or SKUs it applies to"))


class StackingSchema(colander.MappingSchema):
    """How it combines with other discounts: alone (``exclusive``), with anything outside its
    group (``group_exclusive``), or with everything (``stackable``) — ``stacks_with`` naming
    groups it still combines with when exclusive; ``priority`` orders the engine's tries."""

    mode = colander.SchemaNode(colander.String(), missing="exclusive",
                               validator=colander.OneOf(STACKING_MODES))
    group = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                                validator=colander.Length(max=40))
    stacks_with = colander.SchemaNode(colander.Sequence(), colander.SchemaNode(
        colander.String(), preparer=_strip, validator=colander.Length(1, 40)),
        missing=(), validator=colander.Length(max=20))
    priority = colander.SchemaNode(WholeNumber(), missing=0,
                                   validator=colander.Range(0, 1000))

    def validator(self, node: colander.SchemaNode, value: dict[str, Any]) -> None:
        if value["mode"] == "group_exclusive" and not value["group"]:
            error = colander.Invalid(node)
            error["group"] = _("Name the group it is exclusive within")
            raise error


def _money(low: str, **options: Any) -> colander.SchemaNode:
    return colander.SchemaNode(Money(), validator=colander.Range(
        Decimal(low), MAX_AMOUNT, min_err=_("At least ¥${min}")), **options)


def _count(low: int, high: int, **options: Any) -> colander.SchemaNode:
    return colander.SchemaNode(WholeNumber(), validator=colander.Range(
        low, high, min_err=_("At least ${min}"), max_err=_("At most ${max}")), **options)


class TemplateTermsSchema(colander.MappingSchema):
    """What may change on a template after coupons exist (the discount itself may not: issued
    coupons keep the terms they were issued with)."""

    name_zh = colander.SchemaNode(colander.String(), preparer=_strip,
                                  validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), preparer=_strip,
                                  validator=colander.Length(1, 120))
    total_quantity = _count(1, MAX_QUANTITY, missing=None)
    per_customer_limit = _count(1, 100, missing=1)
    claimable = colander.SchemaNode(colander.Boolean(), missing=False)
    on_registration = colander.SchemaNode(colander.Boolean(), missing=False)


def template_schema(zone: tzinfo, now: datetime) -> colander.SchemaNode:
    """A new template; a time given without a zone is read in the shop's zone."""

    class TemplateSchema(TemplateTermsSchema):
        kind = colander.SchemaNode(colander.String(), validator=colander.OneOf(KINDS))
        amount = _money("0.01", missing=None)
        percent = colander.SchemaNode(colander.Decimal("0.01"), missing=None,
                                      validator=colander.Range(
                                          Decimal("0.01"), Decimal("99.99"),
                                          min_err=_("Between 0.01 and 99.99 percent off"),
                                          max_err=_("Between 0.01 and 99.99 percent off")))
        cap = _money("0.01", missing=None)
        min_spend = _money("0.00", missing=Decimal("0.00"))
        scope = ScopeSchema()
        stacking = StackingSchema(missing={"mode": "exclusive", "group": "",
                                           "stacks_with": [], "priority": 0})
        valid_from = colander.SchemaNode(colander.DateTime(default_tzinfo=zone), missing=None)
        valid_until = colander.SchemaNode(colander.DateTime(default_tzinfo=zone),
                                          missing=None)
        valid_days = _count(1, 3650, missing=None)
        public_code = colander.SchemaNode(
            colander.String(), preparer=_public_code, missing=None,
            validator=colander.Regex(PUBLIC_CODE, msg=_("4 to 20 letters and digits")))

    def consistent(node: colander.SchemaNode, value: dict[str, Any]) -> None:
        error = colander.Invalid(node)
        for field, message in _inconsistencies(value, now):
            error[field] = message
        if error.children:
            raise error

    return TemplateSchema(validator=consistent)


def _inconsistencies(value: dict[str, Any], now: datetime) -> Iterator[tuple[str, Any]]:
    """The fields the kind needs, and a validity that is a fixed window (ending in the
    future, after its start) or a number of days from issue, never both."""
    if value["kind"] == "amount" and value["amount"] is None:
        yield "amount", _("Enter the amount it takes off")
    if value["kind"] == "percent" and value["percent"] is None:
        yield "percent", _("Enter the percentage it takes off")
    start, end = value["valid_from"], value["valid_until"]
    if value["valid_days"] is not None:
        if start is not None or end is not None:
            yield "valid_days", _("Give either a window or a number of days")
    elif end is None:
        yield "valid_until", _("Give an end, or a number of days from issue")
    elif end <= now:
        yield "valid_until", _("Choose a time in the future")
    elif start is not None and start >= end:
        yield "valid_until", _("The end must come after the start")


def stored_terms(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A valid template as stored: the discount fields its kind does not use cleared, and a
    fixed window starting now unless told otherwise."""
    kind, window = values["kind"], values["valid_days"] is None
    return {**values,
            "amount": values["amount"] if kind == "amount" else None,
            "percent": values["percent"] if kind == "percent" else None,
            "cap": values["cap"] if kind == "percent" else None,
            "valid_from": (values["valid_from"] or now) if window else None}


class IssueSchema(colander.MappingSchema):
    quantity = _count(1, MAX_BATCH)
    #: The issuing form's one-time key: sent twice (a reload), it issues one batch.
    request_key = colander.SchemaNode(colander.String(), missing=None,
                                      validator=colander.Length(1, 64))


class GrantSchema(colander.MappingSchema):
    customer_ids = colander.SchemaNode(colander.Sequence(), colander.SchemaNode(
        WholeNumber(), validator=colander.Range(1, MAX_KEY)),
        validator=colander.Length(1, MAX_BATCH, min_err=_("Choose at least one shopper"),
                                  max_err=_("At most ${max} shoppers at a time")))
    request_key = colander.SchemaNode(colander.String(), missing=None,
                                      validator=colander.Length(1, 64))


class RedeemSchema(colander.MappingSchema):
    amount = _money("0.00")
