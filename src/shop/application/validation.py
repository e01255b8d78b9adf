"""Running a colander schema and turning its complaints into the application's ``Invalid``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import colander

from shop.application.errors import Invalid
from shop.application.i18n import _

#: The largest key an INTEGER column holds (PostgreSQL's limit; SQLite's is wider).
MAX_KEY = 2**31 - 1
_KEY = re.compile(r"[0-9]{1,10}")


def validate(schema: colander.SchemaNode, data: Mapping[str, Any] | Any) -> Any:
    """Deserialize ``data`` with ``schema``; every failing field is named in the error.

    Field names are dotted paths ("skus.0.price"); each message stays a translation string.
    A NUL character is refused in any field: no column can store it (PostgreSQL refuses it
    outright), and the web tier's own check does not cover a library call.
    """
    holding_nul = sorted(_paths_holding_nul(data))
    if holding_nul:
        raise Invalid({path: _("Contains a character that is not allowed")
                       for path in holding_nul})
    try:
        return schema.deserialize(data)
    except colander.Invalid as exc:
        raise Invalid(field_errors(exc)) from None


def _paths_holding_nul(value: Any, path: str = "") -> Iterator[str]:
    """The dotted paths of the strings in ``value`` that hold a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "_"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _paths_holding_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _paths_holding_nul(item, f"{path}.{index}" if path else str(index))


def entity_key(value: object) -> int | None:
    """A database key given from outside (a URL, a query string), or None when none can match.

    Only ASCII digits count (``int()`` also reads "٣" and " 7 "), and only numbers a key column
    holds, so a lookup never hands the database a number it refuses with an error.
    """
    if isinstance(value, str) and _KEY.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_KEY:
        return value
    return None


def field_errors(exc: colander.Invalid) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for path in exc.paths():
        names = [str(e._keyname()) for e in path if e._keyname() not in (None, "")]
        messages = [m for e in path if e.msg for m in e.messages()]
        if messages:
            errors.setdefault(".".join(names) or "_", messages[0])
    return errors
