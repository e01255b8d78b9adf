"""The promotion simulator (活动模拟) in the back office: a cart, who buys it, where, when and
with which coupon, and what the live campaigns would make of it, each one that did not apply
with the reason.

The simulation writes nothing, so its form is a GET form: a simulation is a link staff can
bookmark or send to a colleague, it needs no CSRF token, and the request's unit of work is a
read-only one like every GET's (``shop.presentation.request.writes``). It is a page of the
campaigns area (its route is named under ``admin_promotions``), linked from the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.locales import pick
from shop.application.promotions.campaign_schemas import MEMBER_GROUPS
from shop.application.promotions.simulator import SimulationSchema
from shop.application.sales_channels import CHANNELS
from shop.presentation.admin.forms import form_errors
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

VIEW = Permission.PROMOTION_VIEW
PAGE = template("admin/promotion_simulator.jinja2")
#: The form's text inputs; ``member_groups`` is a checkbox group, which the application takes
#: as one space-separated string.
INPUTS = ("lines", "channel", "at", "shipping_fee", "coupon_template")
GROUPS = "member_groups"
#: What the form shows before anything is asked: the service's own defaults.
DEFAULTS: Mapping[str, Any] = {"lines": "", "channel": "web", GROUPS: ["member"]}
#: The lines are shown back whole up to the longest the application accepts, so that a valid
#: cart of 50 lines is never cut when the page shows its simulation.
LONGEST_LINES = SimulationSchema()["lines"].validator.max


def includeme(config: Configurator) -> None:
    config.add_route("admin_promotions_simulator", "/admin/promotions/simulator")


@view_config(route_name="admin_promotions_simulator", request_method="GET", renderer=PAGE,
             permission=VIEW)
def simulator(request: Request) -> dict[str, Any]:
    """The form; once submitted (any of its fields in the query string), the simulation under
    it, or each refusal at its field with status 400."""
    asked = any(name in request.GET for name in (*INPUTS, GROUPS))
    values = _asked(request) if asked else dict(DEFAULTS)
    simulation, errors = None, {}
    if asked:
        try:
            simulation = request.shop.promotions.simulate(
                {**values, GROUPS: " ".join(values[GROUPS])})
        except Invalid as exc:
            request.response.status_int = 400
            errors = form_errors(request, exc)
    translate = request.localizer.translate
    return {
        "values": _shown(values), "errors": errors, "simulation": simulation,
        "channels": [(code, translate(label)) for code, label in CHANNELS.items()],
        "member_groups": [(code, translate(label)) for code, label in MEMBER_GROUPS.items()],
        "coupon_templates": [(str(t.id), pick(request.locale_name, t.name_zh, t.name_en))
                             for t in request.shop.coupons.templates()],
    }


def _asked(request: Request) -> dict[str, Any]:
    """The query string's fields (anything else in it is ignored)."""
    values: dict[str, Any] = {name: request.GET[name] for name in INPUTS if name in request.GET}
    values[GROUPS] = request.GET.getall(GROUPS)
    return values


def _shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as the form shows them back: the lines up to ``LONGEST_LINES``, any other
    text cut as every refused form cuts it, the ticked groups that are text."""
    shown = echoed(values)
    shown["lines"] = str(values.get("lines", ""))[:LONGEST_LINES]
    shown[GROUPS] = [code for code in values.get(GROUPS, ()) if isinstance(code, str)]
    return shown
