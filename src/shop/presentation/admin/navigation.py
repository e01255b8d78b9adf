"""The back office's areas grouped by module (商品 / 订单 / 营销 / 客户 / 财务 / 系统), and what
every admin template gets: the modules and areas the actor may open (times in the shop's time
zone and translation come with every template: ``templating``).

A module is only a heading in the side navigation, so it lives here, in the presentation tier;
whether the actor may open an area is still the permission the area names, asked of the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.config import Configurator
from pyramid.events import BeforeRender
from pyramid.exceptions import ConfigurationError
from pyramid.request import Request

from shop.presentation.i18n import _
from shop.presentation.templating import template


@dataclass(frozen=True)
class AdminModule:
    code: str
    label: Any  # a translation string
    order: int


#: The headings of the side navigation, in the order they are shown. "home" is the dashboard,
#: shown above the headings without one of its own.
MODULES = {module.code: module for module in (
    AdminModule("home", _("Home"), 0),
    AdminModule("catalog", _("Products"), 100),
    AdminModule("orders", _("Orders"), 200),
    AdminModule("marketing", _("Marketing"), 300),
    AdminModule("customers", _("Customers"), 400),
    AdminModule("finance", _("Finance"), 500),
    AdminModule("system", _("System"), 900),
)}

#: Where an area goes when its registration names no module: by its permission's scope (the
#: first part of ``scope:resource:action``), so a stock page lands under products and a
#: ledger page under finance without its author choosing.
SCOPE_MODULES = {
    "admin": "home",
    "catalog": "catalog",
    "wms": "catalog",
    "purchasing": "catalog",
    "order": "orders",
    "marketing": "marketing",
    "crm": "customers",
    "finance": "finance",
    "system": "system",
}
FALLBACK_MODULE = "system"


@dataclass(frozen=True)
class AdminArea:
    route_name: str
    label: Any  # a translation string
    permission: str
    order: int
    module: str


def default_module(permission: str) -> str:
    return SCOPE_MODULES.get(str(permission).partition(":")[0], FALLBACK_MODULE)


def add_admin_area(config: Configurator, route_name: str, label: Any, permission: str, *,
                   order: int = 500, module: str | None = None) -> None:
    """Config directive: list an area under ``module`` in the side navigation for actors
    holding ``permission``. Without ``module`` the permission's scope chooses one."""
    module = module or default_module(permission)
    if module not in MODULES:
        raise ConfigurationError(f"admin area {route_name}: unknown module {module!r} "
                                 f"(one of {', '.join(MODULES)})")
    areas = config.registry.__dict__.setdefault("shop_admin_areas", [])
    areas.append(AdminArea(route_name, label, str(permission), order, module))
    areas.sort(key=lambda area: (MODULES[area.module].order, area.order, area.route_name))


def visible_areas(request: Request) -> list[dict[str, str]]:
    """The areas this actor may open, as (url, label, route, module) ready for a template."""
    translate = request.localizer.translate
    return [{"url": request.route_path(area.route_name), "label": translate(area.label),
             "route": area.route_name, "module": area.module}
            for area in getattr(request.registry, "shop_admin_areas", [])
            if request.actor.can(area.permission)]


def visible_modules(request: Request) -> list[dict[str, Any]]:
    """The modules holding at least one area this actor may open, each with those areas."""
    translate = request.localizer.translate
    grouped: dict[str, list[dict[str, str]]] = {}
    for area in visible_areas(request):
        grouped.setdefault(area["module"], []).append(area)
    return [{"code": code, "label": translate(MODULES[code].label), "areas": areas}
            for code, areas in grouped.items()]


def admin_context(event: BeforeRender) -> None:
    request = event.get("request")
    renderer = event.get("renderer_name") or ""
    if request is None or not renderer.startswith(template("admin/")):
        return
    event.setdefault("admin_areas", lambda: visible_areas(request))
    event.setdefault("admin_modules", lambda: visible_modules(request))
