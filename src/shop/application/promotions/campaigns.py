"""Campaigns (活动) as staff run them: ``uow.promotions``.

Staff start a campaign of any kind, optionally from a template they saved; pause, resume or
end it; and read the list. Every write needs ``marketing:promotion:manage`` and is audited.

Guard rails are checked here where they can be known before any cart exists: no campaign may
price a SKU below its floor (a flash sale's or special price's item, a price cut on named
SKUs), and none may by itself give more than the shop's maximum discount share
(``shop.promotions.max_discount_share``: a 60%-off campaign under a 50% cap is refused). What
only a cart can tell — several campaigns stacking past the cap — is capped at checkout by the
engine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import colander

from shop.application.actors import Permission
from shop.application.catalog.read_models import ProductCard
from shop.application.errors import Conflict, Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.promotions.campaign_schemas import (
    KINDS,
    RULE_FIELDS,
    CampaignSchema,
    TemplateSchema,
    parse_items,
    parse_tiers,
    words,
)
from shop.application.promotions.limits import max_share
from shop.application.promotions.pricing import REFERENCE
from shop.application.promotions.scope_codes import NARROWING, scope_ids
from shop.application.promotions.simulator import Simulation, simulate
from shop.application.promotions.tags import tag_label
from shop.application.validation import field_errors, validate
from shop.data.repositories.promotions import (
    PromotionRecord,
    PromotionRepository,
    TemplateRecord,
)

if TYPE_CHECKING:
    from shop.application import UnitOfWork

PAGE_SIZE = 50
LANDING_PRODUCTS = 40
#: The home page's strip of campaigns (活动) shows at most this many.
MAX_STRIP = 8
#: The scope's fields as the campaign form names them, and the id list each fills.
SCOPE_FIELDS = {"categories": "category_ids", "brands": "brand_ids", "products": "product_ids",
                "skus": "sku_ids", "excluded_products": "excluded_product_ids",
                "excluded_skus": "excluded_sku_ids"}


@dataclass(frozen=True)
class CampaignSummary:
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    starts_at: datetime
    ends_at: datetime
    state: str
    used_count: int
    total_limit: int | None


@dataclass(frozen=True)
class CampaignPage:
    campaigns: tuple[CampaignSummary, ...]
    next_before: int | None


@dataclass(frozen=True)
class CampaignLanding:
    """A campaign's landing page (活动页): what it is and the products it covers."""

    code: str
    name: str
    description: str
    kind: str
    tag: Any
    starts_at: datetime
    ends_at: datetime
    #: Started and not ended (a page may show a campaign that is about to start).
    live: bool
    products: tuple[ProductCard, ...]


@dataclass(frozen=True)
class LiveCampaign:
    """A campaign running now, as the home page's strip links to it."""

    code: str
    name: str
    #: The tag's few characters, as ``PromotionTag.label``.
    label: Any
    ends_at: datetime


@dataclass(frozen=True)
class TemplateView:
    id: int
    name: str
    kind: str
    kind_label: str
    preset: Mapping[str, Any]


class CampaignService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = PromotionRepository(uow._session)

    # -- starting one -------------------------------------------------------------------------

    def create(self, data: Mapping[str, Any]) -> int:
        """Start a campaign; its id. ``Invalid`` names every bad field (``rule.tiers``,
        ``scope.skus``…); nothing is written unless all of it is good."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        given = self._with_template(data)
        # Scope, stacking and rule may be left out: each of their fields has a default.
        values = validate(CampaignSchema(), {**given, **{
            part: given.get(part) or {} for part in ("scope", "stacking", "rule")}})
        kind = values["kind"]
        rule = values["rule"]
        missing = {f"rule.{name}": _("Required for this kind of campaign")
                   for name in RULE_FIELDS[kind] if rule.get(name) in (None, "")}
        if missing:
            raise Invalid(missing)
        starts_at, ends_at = self._window(values)
        scope = self._scope(values["scope"])
        stored_rule, flash_items = self._rule(kind, rule)
        self._check_share(kind, stored_rule)
        row = {
            "code": values["code"], "name_zh": values["name_zh"], "name_en": values["name_en"],
            "description_zh": values["description_zh"],
            "description_en": values["description_en"], "kind": kind,
            "rule": json.dumps(stored_rule, sort_keys=True), "scope": json.dumps(scope),
            "stacking": json.dumps(_stacking(values["stacking"])),
            "starts_at": starts_at, "ends_at": ends_at,
            "channels": " ".join(words(values["channels"])),
            "member_groups": " ".join(words(values["member_groups"])),
            "per_customer_limit": values["per_customer_limit"],
            "total_limit": values["total_limit"], "used_count": 0, "state": "active",
            "template_id": values["template"], "created_by": self.uow.actor.name}
        with self._repo.savepoint():
            promotion_id = self._repo.create(row)
            if promotion_id is None:
                raise Invalid({"code": _("This code is taken by another campaign")})
            self._repo.add_flash_items([{**item, "promotion_id": promotion_id, "sold": 0}
                                        for item in flash_items])
        self.uow._audit.record("promotions.campaign.create", "promotion", values["code"],
                               after={k: v for k, v in row.items() if k != "used_count"})
        self.uow._reference.changed(REFERENCE)
        return promotion_id

    def set_state(self, promotion_id: int, state: str) -> None:
        """``active`` (resume), ``paused`` or ``ended``; an ended campaign stays ended."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        if state not in ("active", "paused", "ended"):
            raise Invalid({"state": _("Choose active, paused or ended")})
        found = self._get(promotion_id)
        if found.state == "ended" and state != "ended":
            raise Conflict(_("An ended campaign cannot start again: start a new one"))
        if self._repo.set_state(promotion_id, state):
            self.uow._audit.record("promotions.campaign.state", "promotion", found.code,
                                   before={"state": found.state}, after={"state": state})
            self.uow._reference.changed(REFERENCE)

    # -- reading ------------------------------------------------------------------------------

    def page(self, before: int | None = None) -> CampaignPage:
        self.uow.actor.require(Permission.PROMOTION_VIEW)
        records = self._repo.page(before, PAGE_SIZE + 1)
        shown = records[:PAGE_SIZE]
        return CampaignPage(tuple(self._summary(r) for r in shown),
                            shown[-1].id if len(records) > PAGE_SIZE else None)

    def get(self, promotion_id: int) -> CampaignSummary:
        self.uow.actor.require(Permission.PROMOTION_VIEW)
        return self._summary(self._get(promotion_id))

    def landing(self, code: str) -> CampaignLanding:
        """The landing page of an active campaign that has not ended (anyone): the products it
        names, or the first page of the category or brand it covers, or the shop's best
        sellers for a campaign on everything; at most ``LANDING_PRODUCTS``."""
        record = self._repo.by_code(code) if isinstance(code, str) else None
        now = self.uow.clock.now()
        if record is None or record.state != "active" or record.ends_at <= now:
            raise NotFound("no such campaign")
        scope = json.loads(record.scope)
        products = self._landing_products(record, scope)
        return CampaignLanding(
            record.code, pick(self.uow.locale, record.name_zh, record.name_en),
            pick(self.uow.locale, record.description_zh, record.description_en), record.kind,
            tag_label(record.kind, json.loads(record.rule)), record.starts_at, record.ends_at,
            record.starts_at <= now, products)

    def live_campaigns(self) -> tuple[LiveCampaign, ...]:
        """The campaigns running now (started, not ended), highest priority first, at most
        ``MAX_STRIP`` (anyone): from the reference cache, no query."""
        now = self.uow.clock.now()
        running = sorted((c for c in self.uow._pricer.live().campaigns
                          if c.record.starts_at <= now < c.record.ends_at),
                         key=lambda c: (-c.stacking.priority, c.record.ends_at, c.record.code))
        return tuple(LiveCampaign(c.record.code,
                                  pick(self.uow.locale, c.record.name_zh, c.record.name_en),
                                  tag_label(c.record.kind, c.rule), c.record.ends_at)
                     for c in running[:MAX_STRIP])

    def _landing_products(self, record: PromotionRecord,
                          scope: Mapping[str, Any]) -> tuple[ProductCard, ...]:
        named = list(scope.get("product_ids", ()))
        sku_ids = list(scope.get("sku_ids", ()))
        if record.kind == "flash_sale":
            sku_ids += [item.sku_id for item in self._repo.flash_items([record.id])]
        elif record.kind == "special_price":
            sku_ids += [int(key) for key in json.loads(record.rule)["prices"]]
        named += self._repo.products_of_skus(sku_ids)
        catalog = self.uow.catalog
        if named:
            return tuple(map(catalog.localized.card, self._repo.cards(named, LANDING_PRODUCTS)))
        reference = catalog.reference()
        categories = [reference.categories[key] for key in scope.get("category_ids", ())
                      if key in reference.categories]
        if categories and categories[0].is_published:
            return catalog.category_page(categories[0].slug, {}).products[:LANDING_PRODUCTS]
        brands = [reference.brands[key] for key in scope.get("brand_ids", ())
                  if key in reference.brands]
        if brands and brands[0].is_published:
            return catalog.brand_page(brands[0].slug, {}).products[:LANDING_PRODUCTS]
        return catalog.home_page().best_sellers[:LANDING_PRODUCTS]

    def simulate(self, data: Mapping[str, Any]) -> Simulation:
        """What a cart would get (``lines`` "SKU:qty, …", ``member_groups``, ``channel``,
        ``at``, ``shipping_fee``, ``coupon_template``): which campaigns apply with what, and
        why each other did not. ``marketing:promotion:view``; writes nothing."""
        return simulate(self.uow, data)

    # -- templates ----------------------------------------------------------------------------

    def save_template(self, data: Mapping[str, Any]) -> int:
        """A template: ``name``, ``kind`` and ``preset``, the campaign fields it fills in
        (checked as a campaign's would be, except that it may leave any of them out)."""
        self.uow.actor.require(Permission.PROMOTION_MANAGE)
        values = validate(TemplateSchema(), data)
        preset = dict(data.get("preset") or {})
        preset.pop("code", None)
        preset["kind"] = values["kind"]
        _check_preset(preset)
        template_id = self._repo.add_template({
            "name": values["name"], "kind": values["kind"],
            "preset": json.dumps(preset, sort_keys=True, default=str),
            "created_by": self.uow.actor.name})
        if template_id is None:
            raise Invalid({"name": _("A template of this name exists")})
        self.uow._audit.record("promotions.template.create", "promotion_template",
                               template_id, after={"name": values["name"], "preset": preset})
        return template_id

    def templates(self) -> tuple[TemplateView, ...]:
        self.uow.actor.require(Permission.PROMOTION_VIEW)
        return tuple(_template_view(t) for t in self._repo.templates(PAGE_SIZE))

    def template(self, template_id: int) -> TemplateView:
        """One saved template, to fill in a new campaign's form from."""
        self.uow.actor.require(Permission.PROMOTION_VIEW)
        found = self._repo.template(template_id) if isinstance(template_id, int) else None
        if found is None:
            raise NotFound("no such template")
        return _template_view(found)

    # -- steps --------------------------------------------------------------------------------

    def _with_template(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """The template's preset under what the caller gave (the caller's fields win)."""
        key = data.get("template")
        if key in (None, ""):
            return data
        template = self._repo.template(key) if isinstance(key, int) else None
        if template is None:
            raise Invalid({"template": _("No such template")})
        preset: dict[str, Any] = json.loads(template.preset)
        merged = {**preset, **{k: v for k, v in data.items() if v not in (None, "")}}
        for part in ("rule", "scope", "stacking"):
            merged[part] = {**preset.get(part, {}), **dict(data.get(part) or {})}
        return merged

    def _window(self, values: Mapping[str, Any]) -> tuple[datetime, datetime]:
        zone = self.uow.settings.current().zone
        starts_at, ends_at = (value if value.tzinfo else value.replace(tzinfo=zone)
                              for value in (values["starts_at"], values["ends_at"]))
        if ends_at <= starts_at:
            raise Invalid({"ends_at": _("Ends after it starts")})
        if ends_at <= self.uow.clock.now():
            raise Invalid({"ends_at": _("This time has passed")})
        return starts_at, ends_at

    def _scope(self, scope: Mapping[str, str]) -> dict[str, Any]:
        """Codes → ids, each unknown code named in its field; everything when none narrows."""
        resolved: dict[str, Any] = scope_ids(self.uow, scope, SCOPE_FIELDS)
        resolved["everything"] = not any(resolved[key] for key in NARROWING)
        return resolved

    def _rule(self, kind: str,
              rule: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The rule as stored, and a flash sale's items (SKU, price, quota)."""
        if kind == "spend_save":
            tiers = parse_tiers(rule["tiers"])
            if rule["repeat"] and len(tiers) != 1:
                raise Invalid({"rule.tiers": _("A repeating discount has one tier")})
            return {"tiers": [[str(t), str(s)] for t, s in tiers],
                    "repeat": rule["repeat"]}, []
        if kind in ("flash_sale", "special_price"):
            return self._priced_items(kind, rule["items"])
        if kind == "gift":
            gift = self._repo.sku_floors(words(rule["gift_sku"]))
            if not gift:
                raise Invalid({"rule.gift_sku": _("No SKU has this code")})
            return {"threshold": str(rule["threshold"]), "gift_sku_id": gift[0].id,
                    "gift_quantity": rule["gift_quantity"]}, []
        fields = {"percent_off": ("percent",), "amount_off": ("amount",),
                  "buy_x_get_y": ("buy", "get", "percent"), "n_for_price": ("count", "price"),
                  "nth_discount": ("nth", "percent"), "free_shipping": ("threshold",)}[kind]
        stored = {name: str(rule[name]) if isinstance(rule[name], Decimal) else rule[name]
                  for name in fields if rule.get(name) is not None}
        if kind == "buy_x_get_y":
            stored.setdefault("percent", "100")
        return stored, []

    def _priced_items(self, kind: str,
                      text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        items = parse_items(text)
        skus = {s.code: s for s in self._repo.sku_floors([code for code, _p, _q in items])}
        unknown = [code for code, _p, _q in items if code not in skus]
        if unknown:
            raise Invalid({"rule.items": _("No SKU has this code: ${code}",
                                           mapping={"code": unknown[0]})})
        share = max_share(self.uow.shop.settings)
        for code, price, quota in items:
            sku = skus[code]
            if price < sku.floor_price:
                raise Invalid({"rule.items": _(
                    "${code} may not sell below its floor price of ¥${floor}",
                    mapping={"code": code, "floor": sku.floor_price})})
            if price >= sku.price:
                raise Invalid({"rule.items": _(
                    "${code}'s special price must be below its price of ¥${price}",
                    mapping={"code": code, "price": sku.price})})
            if share is not None and sku.price - price > sku.price * share:
                raise Invalid({"rule.items": _(
                    "${code} would be more than ${share} off, the most the shop allows",
                    mapping={"code": code, "share": _percent(share)})})
            if kind == "flash_sale" and quota is None:
                raise Invalid({"rule.items": _(
                    "Give each flash-sale item a quantity: ${code}:price:quantity",
                    mapping={"code": code})})
        if kind == "flash_sale":
            return {}, [{"sku_id": skus[code].id, "price": price, "quota": quota}
                        for code, price, quota in items]
        return {"prices": {str(skus[code].id): str(price) for code, price, _q in items}}, []

    def _check_share(self, kind: str, rule: Mapping[str, Any]) -> None:
        """Refuse a campaign that alone would give more than the maximum share."""
        share = max_share(self.uow.shop.settings)
        if share is None:
            return
        worst: Decimal | None = None
        field = "rule.percent"
        if kind == "percent_off":
            worst = Decimal(rule["percent"]) / 100
        elif kind == "spend_save":
            field = "rule.tiers"
            worst = max(Decimal(s) / Decimal(t) for t, s in rule["tiers"])
        elif kind == "buy_x_get_y":
            worst = (Decimal(rule["get"]) * Decimal(rule["percent"]) / 100
                     / (rule["buy"] + rule["get"]))
            field = "rule.get"
        elif kind == "nth_discount":
            worst = Decimal(rule["percent"]) / 100 / rule["nth"]
        if worst is not None and worst > share:
            raise Invalid({field: _(
                "This gives up to ${worst} off; the shop allows at most ${share} per order",
                mapping={"worst": _percent(worst), "share": _percent(share)})})

    def _get(self, promotion_id: int) -> PromotionRecord:
        found = self._repo.get(promotion_id) if isinstance(promotion_id, int) else None
        if found is None:
            raise NotFound("no such campaign")
        return found

    def _summary(self, record: PromotionRecord) -> CampaignSummary:
        return CampaignSummary(record.id, record.code,
                               pick(self.uow.locale, record.name_zh, record.name_en),
                               record.kind, str(KINDS.get(record.kind, record.kind)),
                               record.starts_at, record.ends_at, record.state,
                               record.used_count, record.total_limit)


def _template_view(template: TemplateRecord) -> TemplateView:
    return TemplateView(template.id, template.name, template.kind,
                        str(KINDS[template.kind]), json.loads(template.preset))


def _stacking(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"mode": values["mode"], "group": values["group"],
            "stacks_with": words(values["stacks_with"]), "priority": values["priority"]}


def _percent(share: Decimal) -> str:
    """0.8 → "80%"."""
    return f"{(share * 100).normalize():f}%"


def _check_preset(preset: Mapping[str, Any]) -> None:
    """A preset holds only fields a campaign has, and its rule, scope and stacking parts are
    valid as far as they go."""
    schema = CampaignSchema()
    unknown = sorted(set(preset) - {child.name for child in schema.children})
    if unknown:
        raise Invalid({"preset": _("Not a campaign field: ${name}",
                                   mapping={"name": unknown[0]})})
    for part in ("rule", "scope", "stacking"):
        given = preset.get(part)
        if given is None:
            continue
        try:
            schema[part].deserialize(dict(given))
        except colander.Invalid as exc:
            raise Invalid({f"preset.{name}": message
                           for name, message in field_errors(exc).items()}) from None
