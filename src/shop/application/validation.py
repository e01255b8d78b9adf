"""Running a colander schema and turning its complaints into the application's ``Invalid``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import colander

from shop.application.errors import Invalid


def validate(schema: colander.SchemaNode, data: Mapping[str, Any] | Any) -> Any:
    """Deserialize ``data`` with ``schema``; every failing field is named in the error."""
    try:
        return schema.deserialize(data)
    except colander.Invalid as exc:
        errors = {key or "_": str(message) for key, message in exc.asdict().items()}
        raise Invalid(errors) from None
