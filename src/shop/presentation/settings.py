"""Reading settings: the ini file, with the database URL overridable from the environment."""

from __future__ import annotations

import os
from typing import Any

from pyramid.paster import get_appsettings

DATABASE_URL_VARIABLE = "SHOP_DATABASE_URL"


def with_environment(settings: dict[str, Any]) -> dict[str, Any]:
    """``SHOP_DATABASE_URL`` wins over the ini file, so production secrets stay out of it."""
    settings = dict(settings)
    if os.environ.get(DATABASE_URL_VARIABLE):
        settings["sqlalchemy.url"] = os.environ[DATABASE_URL_VARIABLE]
    return settings


def load_settings(config_uri: str) -> dict[str, Any]:
    return with_environment(dict(get_appsettings(config_uri)))
