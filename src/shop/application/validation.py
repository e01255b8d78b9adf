"""Running a colander schema and turning its complaints into the application's ``Invalid``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import colander

from shop.application.errors import Invalid


def validate(schema: colander.SchemaNode, data: Mapping[str, Any] | Any) -> Any:
    """Deserialize ``data`` with ``schema``; every failing field is named in the error.

    Field names are dotted paths ("skus.0.price"); each message stays a translation string.
    """
    try:
        return schema.deserialize(data)
    except colander.Invalid as exc:
        raise Invalid(field_errors(exc)) from None


def field_errors(exc: colander.Invalid) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for path in exc.paths():
        names = [str(e._keyname()) for e in path if e._keyname() not in (None, "")]
        messages = [m for e in path if e.msg for m in e.messages()]
        if messages:
            errors.setdefault(".".join(names) or "_", messages[0])
    return errors
