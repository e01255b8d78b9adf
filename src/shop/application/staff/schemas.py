"""Valid input for staff accounts, roles and staff login: one definition for forms and scripts.

Unknown keys are dropped by colander, so a posted ``is_staff``, ``id`` or ``permissions`` field
on a staff form changes nothing. Updates drop missing keys, so a script can change one field.
"""

from __future__ import annotations

import colander

from shop.application.i18n import _
from shop.application.security.passwords import MAX_LENGTH
from shop.application.staff.builtin_roles import STAFF_PERMISSION_VALUES

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,39}$"
ROLE_CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


#: More roles than anyone holds, more permissions than there are: a list longer is not a choice.
MAX_CHOICES = 100


def _codes() -> colander.SchemaNode:
    return colander.SchemaNode(colander.Sequence(accept_scalar=True),
                               colander.SchemaNode(colander.String(), preparer=_lower,
                                                   validator=colander.Length(max=40)),
                               validator=colander.Length(max=MAX_CHOICES))


def _username() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_lower, validator=colander.Regex(
        USERNAME_PATTERN,
        _("2 to 40 lower-case letters, digits, dots, hyphens or underscores")))


def _email(**kw: object) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_lower, validator=colander.All(
        colander.Length(max=254), colander.Email(msg=_("Enter a valid email address"))), **kw)


def _name(**kw: object) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_strip,
                               validator=colander.Length(1, 60), **kw)


def _password(**kw: object) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), validator=colander.Length(max=MAX_LENGTH), **kw)


class StaffCreateSchema(colander.MappingSchema):
    username = _username()
    email = _email()
    name = _name()
    password = _password()
    roles = _codes()
    roles.missing = ()
    is_active = colander.SchemaNode(colander.Boolean(), missing=True)


class StaffUpdateSchema(colander.MappingSchema):
    """Username stays: it names the staff member in every audit entry already written."""

    email = _email(missing=colander.drop)
    name = _name(missing=colander.drop)
    is_active = colander.SchemaNode(colander.Boolean(), missing=colander.drop)
    roles = _codes()
    roles.missing = colander.drop


class PasswordResetSchema(colander.MappingSchema):
    password = _password()
    #: Optional for scripts; when given (even empty, as a form sends it) it must match.
    password_confirm = colander.SchemaNode(colander.String(allow_empty=True),
                                           missing=colander.drop)


class StaffListQuerySchema(colander.MappingSchema):
    page = colander.SchemaNode(colander.Int(), missing=1, validator=colander.Range(
        1, 100, min_err=_("Pages start at 1"), max_err=_("At most ${max} pages; search instead")))
    q = colander.SchemaNode(colander.String(), missing="", preparer=_strip,
                            validator=colander.Length(max=60))


def _permissions(**kw: object) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.Sequence(accept_scalar=True),
        colander.SchemaNode(colander.String(), validator=colander.OneOf(
            sorted(STAFF_PERMISSION_VALUES))),
        validator=colander.Length(min=1, max=MAX_CHOICES,
                                  min_err=_("Choose at least one permission")), **kw)


class RoleCreateSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), preparer=_lower, validator=colander.Regex(
        ROLE_CODE_PATTERN, _("2 to 40 lower-case letters, digits or underscores, "
                             "starting with a letter")))
    name_zh = _name()
    name_en = _name()
    permissions = _permissions()


class RoleUpdateSchema(colander.MappingSchema):
    """The code stays: it is how scripts and the audit log name the role."""

    name_zh = _name(missing=colander.drop)
    name_en = _name(missing=colander.drop)
    permissions = _permissions(missing=colander.drop)


class StaffLoginSchema(colander.MappingSchema):
    """As typed: no format check, so a login form says nothing about which usernames exist.

    No "remember me": a back-office session lasts a working day at most.
    """

    username = colander.SchemaNode(colander.String(), preparer=_lower,
                                   validator=colander.Length(max=254))
    password = colander.SchemaNode(colander.String(), validator=colander.Length(max=1024))
