"""Mainland China mobile numbers, read the many ways people type them and stored in E.164:
for accounts (login, registration, recovery) and for delivery addresses alike.

``phonenumbers`` (Google's libphonenumber data) knows which prefixes are mobile ranges, so a
landline or a Hong Kong number is refused even when it has the right number of digits.
"""

from __future__ import annotations

import colander
import phonenumbers

from shop.application.i18n import _

MESSAGE = _("Enter a mainland China mobile number, e.g. 138 0013 8000")


def mainland_mobile(text: str) -> str | None:
    """E.164 ("+8613800138000") for a valid mainland mobile number, else None."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if (phonenumbers.region_code_for_number(number) != "CN"
            or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_mobile(e164: str) -> str:
    """How a Chinese reader writes it: "138 0013 8000"."""
    try:
        number = phonenumbers.parse(e164, "CN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class MainlandMobile(colander.String):
    """A colander type: text in, E.164 out, or the field's message."""

    def deserialize(self, node: colander.SchemaNode, cstruct: object) -> object:
        text = super().deserialize(node, cstruct)
        if text is colander.null:
            return text
        e164 = mainland_mobile(str(text).strip()[:40])
        if e164 is None:
            raise colander.Invalid(node, MESSAGE)
        return e164
