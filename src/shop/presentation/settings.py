"""Reading settings: the ini file, with the database URL overridable from the environment."""

from __future__ import annotations

import os
from typing import Any

from pyramid.paster import get_appsettings

DATABASE_URL_VARIABLE = "SHOP_DATABASE_URL"
#: Environment variables that win over ini settings, so production secrets stay out of files.
FROM_ENVIRONMENT = {DATABASE_URL_VARIABLE: "sqlalchemy.url",
                    "SHOP_BROKER_URL": "shop.jobs.broker_url"}


def with_environment(settings: dict[str, Any]) -> dict[str, Any]:
    """``SHOP_DATABASE_URL`` and ``SHOP_BROKER_URL`` win over the ini file."""
    settings = dict(settings)
    for variable, key in FROM_ENVIRONMENT.items():
        if os.environ.get(variable):
            settings[key] = os.environ[variable]
    return settings


def load_settings(config_uri: str) -> dict[str, Any]:
    return with_environment(dict(get_appsettings(config_uri)))
