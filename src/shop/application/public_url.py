"""The shop's public address (``shop.public_url``): the one source of absolute links in messages.

A link that leaves the shop in an email or an SMS (a password reset above all) is built from this
setting and never from the request that caused it: the ``Host`` header is whatever the visitor
sent, so a link built from it could point a victim's reset token at an attacker's server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from shop.application.errors import Invalid

SETTING = "shop.public_url"


class MissingPublicUrl(RuntimeError):
    """The shop was asked for an absolute link but ``shop.public_url`` is not set."""

    def __init__(self, hint: str = "") -> None:
        super().__init__(f"the setting {SETTING} is not set: the shop needs its public address "
                         f"(such as https://shop.example.com) to put links in emails and SMS"
                         f"{'; ' + hint if hint else ''}")


def public_url_from_settings(settings: Mapping[str, Any]) -> str | None:
    """The configured address without a trailing slash; None when it is not set.

    Raises ``Invalid`` naming the setting when it is not an absolute http(s) address of a host
    (a query, a fragment or credentials in it would end up in every link).
    """
    value = str(settings.get(SETTING) or "").strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (parts is None or not port_ok or parts.scheme not in ("http", "https")
            or not parts.hostname or parts.query or parts.fragment or parts.username
            or parts.password):
        raise Invalid({SETTING: "an absolute http or https address such as "
                                "https://shop.example.com, not " + repr(value)})
    return value.rstrip("/")


def absolute_link(public_url: str | None, path: str) -> str:
    """``path`` (``/account/reset/…``) on the shop's public address."""
    if public_url is None:
        raise MissingPublicUrl()
    if not path.startswith("/"):
        raise ValueError(f"a link path starts with '/', not {path!r}")
    return public_url + path
