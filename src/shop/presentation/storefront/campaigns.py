"""A campaign's landing page (活动页, /campaigns/{code}): what it is, its tag, its window (with a
countdown to its start when it is about to begin, to its end when it runs) and the products it
covers, and the coupons a visitor may claim for them (活动页领券: a claim comes back here). A
campaign that is unknown, paused or over is not found (the service says so)."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from shop.presentation.security import PUBLIC
from shop.presentation.templating import template


@view_config(route_name="campaign", request_method="GET",
             renderer=template("promotions/landing.jinja2"), permission=PUBLIC)
def landing(request: Request) -> dict[str, Any]:
    campaign = request.shop.promotions.landing(request.matchdict["code"])
    coupons = request.shop.showcase.coupons_for_cards(campaign.products,
                                                      request.shop.coupons.center())
    claimed = request.GET.get("done") == "claimed"
    return {"campaign": campaign, "coupons": coupons, "claimed": claimed}


def includeme(config: Configurator) -> None:
    config.add_route("campaign", "/campaigns/{code}")
