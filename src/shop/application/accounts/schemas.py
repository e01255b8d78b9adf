"""Valid account input: the one definition the web forms and the service API share.

Addresses are normalized while they are validated: an email is lower-cased, a mobile number is
turned into E.164 (+8613800138000) after ``phonenumbers`` agrees it is a mainland mobile number.
Unknown fields (``is_staff``, ``id`` …) are dropped by colander, so a form cannot smuggle them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.mobile import MainlandMobile, mainland_mobile
from shop.application.security.passwords import MAX_LENGTH

GENDERS = ("female", "male", "other")
CODE = re.compile(r"^\d{6}$")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def looks_like_phone(text: str) -> bool:
    return bool(re.fullmatch(r"\+?[\d\s-]{5,20}", text))


def normalize_login(text: str) -> str:
    """What a shopper typed to log in, in the form it is stored (email, E.164, or username)."""
    text = text.strip()
    if "@" in text:
        return text.lower()
    if looks_like_phone(text):
        return mainland_mobile(text) or text
    return text


class Email(colander.String):
    """An email address, lower-cased (addresses are compared and stored that way)."""

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        value = super().deserialize(node, cstruct)
        return value if value is colander.null else value.lower()


def _email(**kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(Email(), preparer=_strip, validator=colander.All(
        colander.Length(max=254), colander.Email(msg=_("Enter a valid email address"))), **kw)


def _mobile(**kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(MainlandMobile(), preparer=_strip, **kw)


def _code(**kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_strip, validator=colander.Regex(
        CODE, _("The code has 6 digits")), **kw)


def _password(**kw: Any) -> colander.SchemaNode:
    # Length only: the policy (common, personal) is checked by the service that knows the person.
    return colander.SchemaNode(colander.String(), validator=colander.Length(
        max=MAX_LENGTH, max_err=_("Use at most ${max} characters")), **kw)


def _not_in_future(node: colander.SchemaNode, value: date) -> None:
    # Bound to the shop's clock (``.bind(today=…)``): no schema reads the machine's time.
    if value > node.bindings["today"] or value < date(1900, 1, 1):
        raise colander.Invalid(node, _("Enter a real date of birth"))


class ProfileSchema(colander.MappingSchema):
    """Name, gender and birthday: all three make a complete profile (完整注册)."""

    name = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                               validator=colander.Length(max=60))
    gender = colander.SchemaNode(colander.String(), missing=None,
                                 validator=colander.OneOf(GENDERS))
    birthday = colander.SchemaNode(colander.Date(), missing=None, validator=_not_in_future)


def one_address(node: colander.SchemaNode, value: dict[str, Any]) -> None:
    """The address of the chosen ``channel``, or exactly one address when none is chosen."""
    wanted = address_of(value)
    if wanted is None or not value.get(wanted[0]):
        field = value.get("channel") or "mobile"
        error = colander.Invalid(node)
        error[field] = _("Enter a mobile number") if field == "mobile" else _(
            "Enter an email address")
        raise error


def address_of(values: dict[str, Any]) -> tuple[str, str] | None:
    """("mobile" or "email", the address) of validated input; None when it is ambiguous."""
    channel = values.get("channel")
    if channel is None:
        given = [key for key in ("mobile", "email") if values.get(key)]
        if len(given) != 1:
            return None
        channel = given[0]
    return channel, values.get(channel) or ""


def validated_address(values: dict[str, Any]) -> tuple[str, str]:
    """``address_of`` input that passed ``one_address``, which makes sure there is one."""
    found = address_of(values)
    assert found is not None  # the schema's validator made sure
    return found


def _channel() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), missing=None,
                               validator=colander.OneOf(("mobile", "email")))


class AddressSchema(colander.MappingSchema):
    """A mobile number or an email address to send a code to."""

    channel = _channel()
    mobile = _mobile(missing=None)
    email = _email(missing=None)
    validator = staticmethod(one_address)


class RegistrationSchema(ProfileSchema):
    """The second step: the code that proves the address, a password, an optional profile."""

    channel = _channel()
    mobile = _mobile(missing=None)
    email = _email(missing=None)
    code = _code()
    password = _password()
    ref = colander.SchemaNode(colander.String(), preparer=_strip, missing=None,
                              validator=colander.Length(max=16))
    validator = staticmethod(one_address)


class LoginSchema(colander.MappingSchema):
    identifier = colander.SchemaNode(colander.String(), preparer=_strip,
                                     validator=colander.Length(max=254))
    password = _password()
    remember = colander.SchemaNode(colander.Boolean(), missing=False)


class ResetRequestSchema(colander.MappingSchema):
    """Who forgot their password: an email address or a mobile number."""

    identifier = colander.SchemaNode(colander.String(), preparer=_strip,
                                     validator=colander.Length(max=254))


class ResetByCodeSchema(colander.MappingSchema):
    mobile = _mobile()
    code = _code()
    password = _password()


class NewPasswordSchema(colander.MappingSchema):
    password = _password()


class ChangePasswordSchema(colander.MappingSchema):
    current_password = _password()
    new_password = _password()


class ContactChangeSchema(AddressSchema):
    """The new address, and the code sent to it when confirming."""

    code = _code(missing=None)
