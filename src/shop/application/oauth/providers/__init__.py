"""One adapter per kind of provider; ``provider_for`` picks it for a configured provider."""

from __future__ import annotations

from shop.application.clock import Clock
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.oauth.config import ProviderConfig
from shop.application.oauth.http import HttpClient
from shop.application.oauth.providers.base import Provider, ProviderIdentity
from shop.application.oauth.providers.oidc import OidcProvider
from shop.application.oauth.providers.qq import QQProvider
from shop.application.oauth.providers.wechat import WeChatProvider
from shop.application.oauth.providers.weibo import WeiboProvider

KINDS: dict[str, type[Provider]] = {
    p.kind: p for p in (OidcProvider, WeChatProvider, QQProvider, WeiboProvider)}

__all__ = ["KINDS", "Provider", "ProviderIdentity", "provider_for"]


def provider_for(config: ProviderConfig, http: HttpClient, clock: Clock) -> Provider:
    kind = KINDS.get(config.kind)
    if kind is None:
        raise Invalid({f"shop.oauth.{config.name}.kind": _(
            "Unknown provider kind; use one of ${kinds}", mapping={"kinds": ", ".join(KINDS)})})
    return kind(config, http, clock)
