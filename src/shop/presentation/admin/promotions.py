"""Campaigns (促销活动) in the back office: the list with its pause, resume and end buttons,
starting a campaign (from scratch or from a saved template), and the templates.

One form serves every kind of campaign. Its inputs are named by the application schema's dotted
paths ("rule.tiers", "scope.skus"), so each refusal is shown next to its input; every rule
field is always there, with a note of which kinds need it, so the form works without JavaScript
(``static/promotion_form.js`` only marks the chosen kind's fields). Lists of codes are typed as
people write them ("shirts, dresses"): the application splits them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.promotions.campaign_schemas import (
    KINDS,
    MEMBER_GROUPS,
    MODES,
    RULE_FIELDS,
    CampaignSchema,
    words,
)
from shop.application.sales_channels import CHANNELS
from shop.application.validation import entity_key
from shop.presentation.admin.forms import form_errors, given_key, posted, see_other
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

VIEW = Permission.PROMOTION_VIEW
MANAGE = Permission.PROMOTION_MANAGE
LIST = template("admin/promotions.jinja2")
FORM = template("admin/promotion_form.jinja2")
TEMPLATES = template("admin/promotion_templates.jinja2")

_SCHEMA = CampaignSchema()
#: The schema's nested parts ("rule", "scope", "stacking") and their fields.
PARTS = {node.name: tuple(child.name for child in node.children)
         for node in _SCHEMA.children if node.children}
#: Checkbox groups; the application takes each as one space-separated string.
GROUPS = ("channels", "member_groups")
FLAGS = ("rule.repeat",)
#: What only a campaign has; a template presets everything else (its kind is its own field).
OWN = ("code", "kind", "starts_at", "ends_at", "template")
PRESET = (*(node.name for node in _SCHEMA.children
            if node.name not in (*OWN, *PARTS, *GROUPS)),
          *(f"{part}.{name}" for part, names in PARTS.items() for name in names))
#: Inputs holding lists, shown back whole (up to the longest the application accepts) when
#: the form is refused.
LISTS = ("rule.tiers", "rule.items", *(f"scope.{name}" for name in PARTS["scope"]))
LONGEST_LIST = 20000

#: Each rule field's label and hint; which kinds need it is ``RULE_FIELDS``.
RULE_INPUTS = {
    "tiers": (_("Tiers (spend:save)"),
              _("e.g. 200:20, 500:60: spend ¥200 save ¥20, spend ¥500 save ¥60")),
    "repeat": (_("Repeat: save again for every step spent (one tier only)"), None),
    "percent": (_("Percent off"), _("20 means 20 percent off (8折); buy X get Y: off the Y "
                                    "items, 100 when empty")),
    "amount": (_("Price cut per item (¥)"), None),
    "buy": (_("Buy (items)"), None),
    "get": (_("Get (items)"), None),
    "count": (_("Number of items (N)"), None),
    "price": (_("For the price of (¥)"), None),
    "nth": (_("Discount on every Nth item"), _("2: the second item")),
    "threshold": (_("Threshold (¥)"), _("A gift: for spending at least this much; free "
                                        "shipping: from this amount (empty: always)")),
    "gift_sku": (_("Gift SKU code"), None),
    "gift_quantity": (_("Gift quantity"), None),
    "items": (_("Items, one per line"), _("SKU code:price[:quantity], e.g. TS-RED-M:59.00:100; "
                                          "a flash sale needs each item's quantity")),
}
MODE_LABELS = {
    "stackable": _("Stacks with other campaigns"),
    "group_exclusive": _("No other campaign of its group on the same items"),
    "exclusive": _("No other campaign on the items it touches"),
}


def includeme(config: Configurator) -> None:
    config.add_route("admin_promotions", "/admin/promotions")
    config.add_route("admin_promotions_new", "/admin/promotions/new")
    config.add_route("admin_promotions_templates", "/admin/promotions/templates")
    config.add_route("admin_promotions_state", "/admin/promotions/{id:[0-9]+}/state")
    config.add_admin_area("admin_promotions", _("Promotions"), VIEW, order=300)


# -- the list ---------------------------------------------------------------------------------

@view_config(route_name="admin_promotions", request_method="GET", renderer=LIST, permission=VIEW)
def campaigns(request: Request) -> dict[str, Any]:
    """Newest first, ``PAGE_SIZE`` at a time (``?before=<id>``: older ones)."""
    return {"page": request.shop.promotions.page(given_key(request.GET.get("before"))),
            "may_manage": request.actor.can(MANAGE), "saved": "saved" in request.GET}


@view_config(route_name="admin_promotions_state", request_method="POST", permission=MANAGE)
def set_state(request: Request) -> HTTPSeeOther:
    """Pause, resume or end one (``state``: paused, active, ended); the service says which."""
    request.shop.promotions.set_state(given_key(request.matchdict["id"]),
                                      request.POST.get("state", ""))
    return see_other(request, "admin_promotions", _query={"saved": "1"})


# -- starting one -----------------------------------------------------------------------------

@view_config(route_name="admin_promotions_new", request_method="GET", renderer=FORM,
             permission=MANAGE)
def new_campaign(request: Request) -> dict[str, Any]:
    """The empty form, or (``?template=<id>``) one filled in from a saved template."""
    template_id = given_key(request.GET.get("template"))
    values: dict[str, Any] = {"kind": next(iter(KINDS)), "stacking.mode": MODES[0]}
    if template_id is not None:
        saved = request.shop.promotions.template(template_id)
        values = {**values, **_flat(saved.preset), "kind": saved.kind,
                  "template": str(saved.id)}
    return _form(request, values, {})


@view_config(route_name="admin_promotions_new", request_method="POST", renderer=FORM,
             permission=MANAGE)
def create_campaign(request: Request) -> dict[str, Any] | HTTPSeeOther:
    flat = _submitted(request, (*OWN, *PRESET))
    data = _nested(flat)
    if data.get("template"):
        # The service takes a template's id as a number; what is none it refuses by name.
        data["template"] = entity_key(data["template"]) or data["template"]
    try:
        request.shop.promotions.create(data)
    except Invalid as exc:
        request.response.status_int = 400
        return _form(request, flat, form_errors(request, exc, nested=True))
    return see_other(request, "admin_promotions", _query={"saved": "1"})


# -- templates --------------------------------------------------------------------------------

@view_config(route_name="admin_promotions_templates", request_method="GET", renderer=TEMPLATES,
             permission=VIEW)
def templates(request: Request) -> dict[str, Any]:
    return _templates(request, {"kind": next(iter(KINDS)), "stacking.mode": MODES[0]}, {})


@view_config(route_name="admin_promotions_templates", request_method="POST",
             renderer=TEMPLATES, permission=MANAGE)
def save_template(request: Request) -> dict[str, Any] | HTTPSeeOther:
    flat = _submitted(request, ("name", "kind", *PRESET))
    preset = _nested({key: value for key, value in flat.items()
                      if key not in ("name", "kind") and value not in ("", False, [])})
    try:
        request.shop.promotions.save_template({
            "name": flat.get("name", ""), "kind": flat.get("kind", ""),
            "preset": {key: value for key, value in preset.items() if value != {}}})
    except Invalid as exc:
        request.response.status_int = 400
        return _templates(request, flat, form_errors(request, exc, nested=True,
                                                     under="preset."))
    return see_other(request, "admin_promotions_templates", _query={"saved": "1"})


def _templates(request: Request, values: Mapping[str, Any],
               errors: dict[str, str]) -> dict[str, Any]:
    return {"templates": request.shop.promotions.templates(),
            "may_manage": request.actor.can(MANAGE), "saved": "saved" in request.GET,
            **_form(request, values, errors)}


# -- the form's values ------------------------------------------------------------------------

def _submitted(request: Request, inputs: Iterable[str]) -> dict[str, Any]:
    """The form as posted, flat: input name → text (a checkbox group → the ticked values)."""
    return posted(request, [name for name in inputs if name not in (*GROUPS, *FLAGS)],
                  lists=GROUPS, flags=FLAGS)


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"rule.tiers": "200:20", "channels": ["web", "app"]}`` as the application takes it:
    ``{"rule": {"tiers": "200:20"}, "channels": "web app"}``."""
    data: dict[str, Any] = {part: {} for part in PARTS}
    for name, value in flat.items():
        part, dot, field = name.partition(".")
        if dot:
            data[part][field] = value
        else:
            data[name] = " ".join(value) if name in GROUPS else value
    return data


def _flat(preset: Mapping[str, Any]) -> dict[str, Any]:
    """A template's preset as the form's values (the inverse of ``_nested``)."""
    values: dict[str, Any] = {}
    for name, value in preset.items():
        if isinstance(value, Mapping):
            values.update({f"{name}.{field}": _text(given) for field, given in value.items()})
        elif name in GROUPS:
            values[name] = words(value) if isinstance(value, str) else []
        else:
            values[name] = _text(value)
    return values


def _text(value: Any) -> Any:
    """A preset's value as an input shows it (a checkbox keeps its truth)."""
    return value if isinstance(value, bool) or value is None else str(value)


def _form(request: Request, values: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """What the form's fields need: the values (as much of them as a refused form shows back),
    the messages, and the choices and labels in the visitor's language."""
    translate = request.localizer.translate
    shown = echoed(values)
    shown.update({key: values[key][:LONGEST_LIST] for key in LISTS
                  if isinstance(values.get(key), str)})
    for group in GROUPS:
        shown[group] = [code for code in shown.get(group) or () if isinstance(code, str)]
    return {
        "values": shown, "errors": errors,
        "kinds": [{"code": code, "label": translate(label),
                   "needs": [translate(RULE_INPUTS[name][0]) for name in RULE_FIELDS[code]]}
                  for code, label in KINDS.items()],
        "rule_inputs": [{"name": f"rule.{name}", "label": translate(label),
                         "hint": translate(hint) if hint else "",
                         "needed_by": " ".join(kind for kind, needs in RULE_FIELDS.items()
                                               if name in needs)}
                        for name, (label, hint) in RULE_INPUTS.items()],
        "channels": [(code, translate(label)) for code, label in CHANNELS.items()],
        "member_groups": [(code, translate(label)) for code, label in MEMBER_GROUPS.items()],
        "modes": [(mode, translate(MODE_LABELS[mode])) for mode in MODES],
    }
