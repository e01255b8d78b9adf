"""The shopper's points and referral link (/account/rewards)."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Permission
from shop.presentation.templating import template


@view_config(route_name="rewards", request_method="GET", renderer=template("rewards/index.jinja2"),
             permission=Permission.ACCOUNT_SELF)
def rewards(request: Request) -> dict[str, Any]:
    summary = request.shop.rewards.my_rewards()
    # Registration reads ?ref=CODE; the link is absolute so it can be shared anywhere, and
    # built on the shop's public address, never the request's Host header.
    link = request.registry.shop.link(
        request.route_path("register", _query={"ref": summary.referral_code}))
    return {"summary": summary, "referral_link": link}


def includeme(config: Configurator) -> None:
    config.add_route("rewards", "/account/rewards")
