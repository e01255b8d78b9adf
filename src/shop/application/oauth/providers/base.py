"""What every provider adapter does: build the authorization URL, then turn a code into a person."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from shop.application.clock import Clock
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.oauth.config import ProviderConfig
from shop.application.oauth.http import HttpClient, HttpReply, ProviderError


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says signed in."""

    subject: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None


class Provider(ABC):
    kind: ClassVar[str]
    #: The button's text when the settings give no ``label`` (a translation string or a name).
    default_label: ClassVar[Any]
    #: Endpoint defaults; each can be overridden by ``shop.oauth.<name>.<endpoint>``.
    endpoints: ClassVar[dict[str, str]] = {}
    #: Settings the adapter cannot work without (beyond the client id and secret).
    required_options: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: ProviderConfig, http: HttpClient, clock: Clock) -> None:
        self.config = config
        self.http = http
        self.clock = clock
        missing = [key for key in self.required_options
                   if not config.option(key) and key not in self.endpoints]
        if missing:  # a misconfigured provider fails loudly, not halfway through a login
            raise Invalid({f"shop.oauth.{config.name}.{key}": _("required for an enabled provider")
                           for key in missing})

    @property
    def label(self) -> Any:
        return self.config.option("label") or self.default_label

    def endpoint(self, key: str) -> str:
        url = self.config.option(key) or self.endpoints.get(key, "")
        if not url:
            raise ProviderError(f"shop.oauth.{self.config.name}.{key} is not set")
        return url

    @abstractmethod
    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                          nonce: str) -> str:
        """Where to send the browser; providers without PKCE or nonce ignore those."""

    @abstractmethod
    def identity(self, *, code: str, redirect_uri: str, code_verifier: str,
                 nonce: str) -> ProviderIdentity:
        """Exchange the code and read who signed in; ProviderError when anything fails."""

    @staticmethod
    def require(reply: HttpReply, *fields: str) -> dict[str, Any]:
        """The reply's JSON when it is a success holding ``fields``; ProviderError otherwise."""
        data = reply.json()
        missing = [f for f in fields if data.get(f) in (None, "")]
        if reply.status != 200 or missing:
            error = (data.get("error_description") or data.get("errmsg") or data.get("msg")
                     or data.get("error") or data.get("errcode") or data.get("ret"))
            raise ProviderError(f"HTTP {reply.status}, missing {missing}: {error}")
        return data
