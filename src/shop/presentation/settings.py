"""Reading settings: the ini file, with the database URL and the public address overridable
from the environment (so that production secrets and addresses stay out of the ini file)."""

from __future__ import annotations

import os
from typing import Any

from pyramid.paster import get_appsettings

from shop.application.public_url import SETTING as PUBLIC_URL

DATABASE_URL_VARIABLE = "SHOP_DATABASE_URL"
PUBLIC_URL_VARIABLE = "SHOP_PUBLIC_URL"
#: Environment variables that win over ini settings, so production secrets stay out of files.
FROM_ENVIRONMENT = {DATABASE_URL_VARIABLE: "sqlalchemy.url", PUBLIC_URL_VARIABLE: PUBLIC_URL,
                    "SHOP_BROKER_URL": "shop.jobs.broker_url",
                    "SHOP_FLASH_REDIS_URL": "shop.flash_sales.redis_url",
                    "SHOP_KUAIDI100_CUSTOMER": "shop.tracking.kuaidi100.customer",
                    "SHOP_KUAIDI100_KEY": "shop.tracking.kuaidi100.key",
                    "SHOP_WECHAT_API_V3_KEY": "shop.payments.wechat.api_v3_key"}


def with_environment(settings: dict[str, Any]) -> dict[str, Any]:
    """``SHOP_DATABASE_URL``, ``SHOP_PUBLIC_URL``, ``SHOP_BROKER_URL`` and the 快递100
    credentials (``SHOP_KUAIDI100_CUSTOMER``, ``SHOP_KUAIDI100_KEY``) and the WeChat Pay APIv3
    key (``SHOP_WECHAT_API_V3_KEY``) win over the ini file."""
    settings = dict(settings)
    for variable, setting in FROM_ENVIRONMENT.items():
        if os.environ.get(variable):
            settings[setting] = os.environ[variable]
    return settings


def load_settings(config_uri: str) -> dict[str, Any]:
    return with_environment(dict(get_appsettings(config_uri)))
