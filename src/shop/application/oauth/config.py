"""Which providers are enabled, read from the settings (the ini file).

::

    shop.oauth.providers = wechat qq weibo oidc
    shop.oauth.wechat.client_id = wx0123…      # WeChat AppID, QQ APP ID, Weibo App Key
    shop.oauth.wechat.client_secret = …        # AppSecret / APP Key / App Secret
    shop.oauth.oidc.issuer = https://id.example.com
    shop.oauth.oidc.authorization_endpoint = https://id.example.com/authorize
    shop.oauth.oidc.token_endpoint = https://id.example.com/token
    shop.oauth.oidc.userinfo_endpoint = https://id.example.com/userinfo
    shop.oauth.oidc.scopes = openid email profile
    shop.oauth.oidc.label = Example ID

A provider's ``kind`` is its name unless ``shop.oauth.<name>.kind`` says otherwise, so two OpenID
Connect providers can be enabled side by side. Every endpoint of the built-in providers can be
overridden the same way (``shop.oauth.qq.token_endpoint = …``), which the tests use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shop.application.errors import Invalid
from shop.application.i18n import _

PROVIDERS_SETTING = "shop.oauth.providers"
PREFIX = "shop.oauth."
NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    kind: str
    client_id: str
    client_secret: str
    options: Mapping[str, str] = field(default_factory=dict)

    def option(self, key: str, default: str = "") -> str:
        return self.options.get(key, default)


def provider_configs(settings: Mapping[str, Any]) -> dict[str, ProviderConfig]:
    """Enabled providers by name, in the order the setting lists them."""
    configs: dict[str, ProviderConfig] = {}
    for name in str(settings.get(PROVIDERS_SETTING, "")).split():
        if not NAME.match(name):
            raise Invalid({PROVIDERS_SETTING: _("A provider name is lower-case letters, digits "
                                                "and underscores: ${name}",
                                                mapping={"name": name})})
        prefix = f"{PREFIX}{name}."
        options = {key.removeprefix(prefix): str(value).strip()
                   for key, value in settings.items() if key.startswith(prefix)}
        missing = [key for key in ("client_id", "client_secret") if not options.get(key)]
        if missing:
            raise Invalid({prefix + key: _("required for an enabled provider") for key in missing})
        configs[name] = ProviderConfig(name, options.get("kind", name), options["client_id"],
                                       options["client_secret"], options)
    return configs
