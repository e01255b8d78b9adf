"""Valid base settings: every key, its check, and the value it has until someone sets it."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import colander

from shop.application.i18n import _
from shop.application.locales import LOCALES
from shop.application.money import Money

CURRENCIES = ("CNY",)
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,28}[0-9]$")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def valid_time_zone(node: colander.SchemaNode, value: str) -> None:
    """An IANA name the system's zoneinfo knows, e.g. Asia/Shanghai."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise colander.Invalid(node, _("Unknown time zone; use a name like Asia/Shanghai")) \
            from None


def _text(max_length: int, **kw: object) -> colander.SchemaNode:
    """Optional text: an empty value clears the setting."""
    return colander.SchemaNode(colander.String(allow_empty=True), preparer=_strip,
                               validator=colander.Length(max=max_length), **kw)


def _or_empty(validator: colander.All) -> object:
    """``validator``, except that an empty value (clearing the setting) is fine."""
    def check(node: colander.SchemaNode, value: str) -> None:
        if value:
            validator(node, value)
    return check


def _level_spend() -> colander.SchemaNode:
    return colander.SchemaNode(Money(), missing=colander.drop, validator=colander.Range(
        min=Decimal("0.01"), min_err=_("More than ¥0")))


class BaseSettingsSchema(colander.MappingSchema):
    """Every key is optional on input: what is not given keeps its current value. A key given
    empty clears an optional text; for a choice (locale, currency, time zone) it is an error."""

    shop_name_zh = _text(60, missing=colander.drop)
    shop_name_en = _text(60, missing=colander.drop)
    default_locale = colander.SchemaNode(colander.String(allow_empty=True), missing=colander.drop,
                                         validator=colander.OneOf(LOCALES))
    currency = colander.SchemaNode(colander.String(allow_empty=True), missing=colander.drop,
                                   validator=colander.OneOf(CURRENCIES))
    time_zone = colander.SchemaNode(
        colander.String(allow_empty=True), preparer=_strip, missing=colander.drop,
        validator=colander.All(colander.Length(max=60), valid_time_zone))
    contact_email = colander.SchemaNode(
        colander.String(allow_empty=True), preparer=_lower, missing=colander.drop,
        validator=_or_empty(colander.All(
            colander.Length(max=254), colander.Email(msg=_("Enter a valid email address")))))
    contact_phone = colander.SchemaNode(
        colander.String(allow_empty=True), preparer=_strip, missing=colander.drop,
        validator=_or_empty(colander.All(colander.Regex(
            PHONE, _("Digits, spaces, hyphens and brackets, e.g. 400-820-8820")))))
    contact_address = _text(200, missing=colander.drop)
    member_level_silver = _level_spend()
    member_level_gold = _level_spend()
    member_level_platinum = _level_spend()
