"""The back office's areas, and what every admin template gets: the areas the actor may open
(times in the shop's time zone and translation come with every template: ``templating``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.config import Configurator
from pyramid.events import BeforeRender
from pyramid.request import Request

from shop.presentation.templating import template


@dataclass(frozen=True)
class AdminArea:
    route_name: str
    label: Any  # a translation string
    permission: str
    order: int


def add_admin_area(config: Configurator, route_name: str, label: Any, permission: str, *,
                   order: int = 500) -> None:
    """Config directive: list an area in the side navigation for actors holding ``permission``."""
    areas = config.registry.__dict__.setdefault("shop_admin_areas", [])
    areas.append(AdminArea(route_name, label, str(permission), order))
    areas.sort(key=lambda area: (area.order, area.route_name))


def visible_areas(request: Request) -> list[dict[str, str]]:
    """The areas this actor may open, as (url, label, route) ready for a template."""
    translate = request.localizer.translate
    return [{"url": request.route_path(area.route_name), "label": translate(area.label),
             "route": area.route_name}
            for area in getattr(request.registry, "shop_admin_areas", [])
            if request.actor.can(area.permission)]


def admin_context(event: BeforeRender) -> None:
    request = event.get("request")
    renderer = event.get("renderer_name") or ""
    if request is None or not renderer.startswith(template("admin/")):
        return
    event.setdefault("admin_areas", lambda: visible_areas(request))
