"""What a valid invoice request and a valid invoice title are: the one definition the checkout
form, the account page and the service all use.

The fields a request needs depend on its kind: only the fields its kind uses are read, each
checks its own format when given, and ``_required`` says which must be given; both run together,
so that every bad field is named at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import colander
import phonenumbers

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.invoicing import uscc
from shop.application.validation import validate

#: No invoice, a plain invoice (普通发票) or a VAT special invoice (增值税专用发票).
KINDS = ("none", "plain", "vat")
#: Who an invoice is made out to: a person (个人) or a company (单位).
TITLE_KINDS = ("personal", "company")
#: The title of a personal invoice left blank.
PERSONAL_TITLE = "个人"
#: A title's own fields, as a saved title keeps them.
TITLE_FIELDS = ("title_kind", "title", "tax_code", "bank_name", "bank_account",
                "company_address", "company_phone")
#: What a VAT special invoice needs beyond the title and tax code.
COMPANY_FIELDS = ("bank_name", "bank_account", "company_address", "company_phone")
MAX_TITLE = 100


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _squeezed(value: Any) -> Any:
    """Without any whitespace, in capitals: how codes and account numbers are compared."""
    return uscc.normalize(value) if isinstance(value, str) else value


def _tax_code(node: colander.SchemaNode, value: str) -> None:
    problem = uscc.problem(value)
    if problem is not None:
        raise colander.Invalid(node, problem)


def _phone(node: colander.SchemaNode, value: str) -> None:
    """A number a Chinese company answers: a landline with its area code, a mobile, a 400 line."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (number is None or phonenumbers.region_code_for_number(number) != "CN"
            or not phonenumbers.is_valid_number(number)):
        raise colander.Invalid(node, _("Enter the company's phone number with its area code, "
                                       "e.g. 010-6512 3456"))


def _text(title: str, hi: int, **kw: Any) -> colander.SchemaNode:
    """An optional text field: "" when not given (``_required`` decides whether it must be)."""
    kw.setdefault("preparer", _strip)
    kw.setdefault("validator", colander.Length(max=hi))
    return colander.SchemaNode(colander.String(), title=title, missing="", **kw)


class TitleSchema(colander.MappingSchema):
    """An invoice title (发票抬头): to whom, and for a company its tax and bank details."""

    title_kind = _text(_("Issued to"), 10, validator=colander.OneOf(
        TITLE_KINDS, msg_err=_("Choose a person or a company")))
    title = _text(_("Invoice title"), MAX_TITLE)
    tax_code = _text(_("Taxpayer ID"), 40, preparer=_squeezed,
                     validator=colander.All(colander.Length(max=40), _tax_code))
    bank_name = _text(_("Bank"), 100, validator=colander.Length(min=2, max=100))
    bank_account = _text(_("Bank account"), 60, preparer=_squeezed, validator=colander.Regex(
        r"^[0-9]{6,30}$", msg=_("A bank account number has 6 to 30 digits")))
    company_address = _text(_("Registered address"), 120,
                            validator=colander.Length(min=4, max=120))
    company_phone = _text(_("Company phone"), 30,
                          validator=colander.All(colander.Length(max=30), _phone))

    def validator(self, node: colander.SchemaNode, value: Mapping[str, Any]) -> None:
        _raise_required(node, value, "title")


class InvoiceSchema(TitleSchema):
    """The checkout form's invoice choice: a kind, and a title typed in or a saved one chosen."""

    kind = _text(_("Invoice"), 10, validator=colander.OneOf(
        KINDS, msg_err=_("Choose no invoice, a plain invoice or a VAT special invoice")))
    #: The id of one of the shopper's saved titles, used instead of the typed fields.
    saved_title = _text(_("Saved title"), 20)
    #: Keep the title for next time.
    remember = colander.SchemaNode(colander.Boolean(), title=_("Remember this title"),
                                   missing=False)

    def validator(self, node: colander.SchemaNode, value: Mapping[str, Any]) -> None:
        _raise_required(node, value, value["kind"] or "none")


def _raise_required(node: colander.SchemaNode, value: Mapping[str, Any], kind: str) -> None:
    """The schema's own check that a request of ``kind`` gives what it needs (colander runs it
    once every field passed; ``_deserialize`` runs ``_required`` on the raw fields otherwise)."""
    errors = _required(value, kind, _title_kind(value, kind))
    if errors:
        invalid = colander.Invalid(node)
        for name, message in errors.items():
            invalid.add(colander.Invalid(node[name], message))
        raise invalid


def deserialize_invoice(data: Mapping[str, Any]) -> dict[str, Any]:
    """The cleaned request, or Invalid naming every bad field at once. A request without a
    kind asks for no invoice; the fields its kind does not use come back empty, whatever was
    posted in them (a field hidden by the form's script may hold what was typed before)."""
    kind = field_text(data, "kind") or "none"
    values = _deserialize(InvoiceSchema(), data, kind, ("kind", "saved_title", "remember"))
    values["kind"] = values["kind"] or "none"
    return values


def deserialize_title(data: Mapping[str, Any]) -> dict[str, Any]:
    """A title to save, as the account page posts it. A company's bank details are optional
    here (a plain invoice does without them), checked when given."""
    return _deserialize(TitleSchema(), data, "title", ())


def field_text(data: Mapping[str, Any], name: str) -> str:
    """A field of a request as text, stripped ("" when absent or not text)."""
    value = data.get(name) if isinstance(data, Mapping) else None
    return value.strip() if isinstance(value, str) else ""


def _deserialize(schema: colander.SchemaNode, data: Mapping[str, Any], kind: str,
                 always: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise Invalid({"_": _("Invalid input")})
    title_kind = _title_kind(data, kind)
    used = (*always, *_used(kind, title_kind))
    picked = {name: data[name] for name in used if name in data}
    try:
        values: dict[str, Any] = validate(schema, picked)
    except Invalid as exc:
        raw = {name: field_text(picked, name) for name in TITLE_FIELDS}
        raise Invalid({**_required(raw, kind, title_kind), **exc.errors}) from None
    if title_kind in TITLE_KINDS:
        values["title_kind"] = title_kind
    if title_kind == "personal":
        values["title"] = values["title"] or PERSONAL_TITLE
    return values


def _title_kind(data: Mapping[str, Any], kind: str) -> str:
    """Who the request names, a company when a VAT invoice names no one."""
    return field_text(data, "title_kind") or ("company" if kind == "vat" else "")


def _used(kind: str, title_kind: str) -> tuple[str, ...]:
    """The title fields a request of ``kind`` ("plain", "vat", or "title" for a title saved
    on its own) made out to ``title_kind`` reads; the others are left empty."""
    if kind not in ("plain", "vat", "title"):
        return ()
    if title_kind == "personal":
        return ("title_kind", "title")
    if title_kind != "company":
        return ("title_kind",)
    return TITLE_FIELDS if kind != "plain" else ("title_kind", "title", "tax_code")


def _required(values: Mapping[str, str], kind: str, title_kind: str) -> dict[str, Any]:
    """Messages for the fields a request of ``kind`` made out to ``title_kind`` needs that
    were left empty."""
    if kind not in ("plain", "vat", "title"):
        return {}
    if title_kind not in TITLE_KINDS:
        return {"title_kind": _("Choose a person or a company")}
    if kind == "vat" and title_kind != "company":
        return {"title_kind": _("A VAT special invoice is made out to a company only")}
    if title_kind == "personal":
        return {}
    errors: dict[str, Any] = {}
    if not values.get("title"):
        errors["title"] = _("Enter the company's full name as registered")
    if not values.get("tax_code"):
        errors["tax_code"] = _("Enter the company's unified social credit code")
    if kind == "vat":
        errors.update({name: _("A VAT special invoice needs this")
                       for name in COMPANY_FIELDS if not values.get(name)})
    return errors
