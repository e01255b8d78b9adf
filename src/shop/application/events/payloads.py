"""Typed event payloads: one frozen dataclass per kind of event, stored as JSON-safe data.

Fields are ``int``, ``str``, ``bool`` or ``Decimal`` (money, stored as a string so no float
ever touches it), each optionally ``| None``. A payload that does not fit its type is a
programming error in the service that records it, and fails there, inside its transaction.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints


@dataclass(frozen=True)
class Event:
    """Base of every event; a subclass names itself ``domain.past_tense``."""

    name: ClassVar[str]

    def to_payload(self) -> dict[str, Any]:
        return {field.name: _encode(getattr(self, field.name)) for field in fields(self)}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Self:
        """The typed event from stored or recorded data; ``ValueError`` names what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError(f"{cls.name}: the payload must be a mapping")
        hints = get_type_hints(cls)
        names = [field.name for field in fields(cls)]
        unknown = sorted(set(data) - set(names))
        missing = [name for name in names if name not in data]
        if unknown or missing:
            raise ValueError(f"{cls.name}: unknown fields {unknown}, missing fields {missing}")
        return cls(**{name: _decode(cls.name, name, hints[name], data[name]) for name in names})


def _encode(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _decode(event: str, field: str, kind: Any, value: Any) -> Any:
    if get_origin(kind) in (Union, types.UnionType):
        if value is None and type(None) in get_args(kind):
            return None
        inner = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(inner) == 1:
            return _decode(event, field, inner[0], value)
    if kind is Decimal and isinstance(value, Decimal | str) and not isinstance(value, bool):
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_finite():
            return number
    elif kind in (int, str, bool) and type(value) is kind:  # True is no int here
        return value
    raise ValueError(f"{event}: {field} must be {getattr(kind, '__name__', kind)}, "
                     f"not {value!r}")
