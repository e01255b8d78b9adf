"""What a valid address is: the one definition the form and the service both use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import colander

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.mobile import MainlandMobile
from shop.application.regions.table import CITY, DISTRICT, PROVINCE, region_table
from shop.application.validation import validate


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _text(title: str, lo: int, hi: int, **kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), title=title, preparer=_strip,
                               validator=colander.Length(lo, hi), **kw)


def region_errors(province: Any, city: Any, district: Any) -> dict[str, Any]:
    """Messages for a region choice that is not a province, a city in it and a district in that.

    A district is required exactly where the city has districts (东莞市 has none).
    """
    table = region_table()
    chosen_province = table.get(province) if isinstance(province, str) else None
    if chosen_province is None or chosen_province.level != PROVINCE:
        return {"province": _("Choose a province")}
    chosen_city = table.get(city) if isinstance(city, str) else None
    if chosen_city is None or chosen_city.level != CITY or chosen_city.parent != province:
        return {"city": _("Choose a city in the chosen province")}
    has_districts = bool(table.children.get(chosen_city.code))
    chosen_district = table.get(district) if isinstance(district, str) and district else None
    if not has_districts:
        return {"district": _("This city has no districts")} if district else {}
    if (chosen_district is None or chosen_district.level != DISTRICT
            or chosen_district.parent != city):
        return {"district": _("Choose a district in the chosen city")}
    return {}


class AddressSchema(colander.MappingSchema):
    recipient = _text(_("Recipient"), 1, 30)
    mobile = colander.SchemaNode(MainlandMobile(), title=_("Mobile"))
    province = _text(_("Province"), 1, 6, missing_msg=_("Choose a province"))
    city = _text(_("City"), 1, 6, missing_msg=_("Choose a city in the chosen province"))
    district = _text(_("District"), 1, 6, missing=None)
    street = _text(_("Street address"), 2, 120)
    postcode = colander.SchemaNode(
        colander.String(), title=_("Postcode"), preparer=_strip, missing=None,
        validator=colander.Regex(r"^[0-9]{6}$", msg=_("A postcode has 6 digits")))
    is_default = colander.SchemaNode(colander.Boolean(), title=_("Default address"),
                                     missing=False)

    def validator(self, node: colander.SchemaNode, value: Mapping[str, Any]) -> None:
        errors = region_errors(value["province"], value["city"], value["district"])
        if errors:
            invalid = colander.Invalid(node)
            for name, message in errors.items():
                invalid.add(colander.Invalid(node[name], message))
            raise invalid


def deserialize_address(data: Mapping[str, Any]) -> dict[str, Any]:
    """The cleaned address, or Invalid naming every bad field at once.

    Colander runs the region check only when every field passed; on failure it is run here on the
    raw choice too, so the shopper sees the region message together with the others.
    """
    try:
        values: dict[str, Any] = validate(AddressSchema(), data)
        return values
    except Invalid as exc:
        raw = {k: _strip(data.get(k)) or None for k in ("province", "city", "district")}
        raise Invalid({**region_errors(**raw), **exc.errors}) from None
