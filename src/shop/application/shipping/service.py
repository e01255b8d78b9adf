"""Shipping methods: what checkout offers for an address, and how staff configure it.

``quote`` and ``price`` are open to anyone (a shopper reaches them through checkout) and read
one statement whatever the number of methods. Configuring needs ``SETTINGS_MANAGE``: a method's
fees change what every shopper pays, like the shop's other settings, so they belong to the
administrators; ``ORDER_MANAGE`` is customer service's, who handle single orders and should not
reprice shipping for everyone. Every write is audited. Methods are deactivated, never deleted:
orders keep naming them by code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.regions.table import region_table
from shop.application.shipping import rule_lines
from shop.application.shipping.fees import shipping_fee
from shop.application.shipping.read_models import (
    FeeRuleView,
    RegionRef,
    ShippingMethodView,
    ShippingQuote,
)
from shop.application.shipping.schemas import (
    QuoteSchema,
    ShippingMethodSchema,
    code_or_none,
)
from shop.application.validation import validate
from shop.data.models.shipping import EVERYWHERE_ELSE, ShippingMethod
from shop.data.repositories.shipping import OfferRecord, RuleRecord, ShippingRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

MANAGE = Permission.SETTINGS_MANAGE
_NOT_OFFERED = _("This shipping method is not available for this address")
_EVERYWHERE = _("Everywhere else")
#: The method's own columns that staff set (its rules and exclusions are rows of their own).
_COLUMNS = ("name_zh", "name_en", "is_active", "position", "free_above")


class ShippingService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = ShippingRepository(uow._session)

    # -- for checkout -----------------------------------------------------------------------

    def quote(self, province_code: str, city_code: str, weight_grams: int,
              items_amount: Decimal) -> list[ShippingQuote]:
        """Every active method delivering to the address, cheapest first (ties by position):
        checkout preselects the first."""
        request = self._request(province_code, city_code, weight_grams, items_amount)
        return self._quotes(self._repo.offers(request["province_code"], request["city_code"]),
                            request)

    def price(self, code: str, province_code: str, city_code: str, weight_grams: int,
              items_amount: Decimal) -> ShippingQuote:
        """The quote of the method the shopper chose; ``Invalid`` naming ``shipping_method``
        when it is unknown, inactive or does not deliver to the address."""
        request = self._request(province_code, city_code, weight_grams, items_amount)
        wanted = code_or_none(code)
        offers = self._repo.offers(request["province_code"], request["city_code"], wanted) \
            if wanted else []
        quotes = self._quotes(offers, request)
        if not quotes:
            raise Invalid({"shipping_method": _NOT_OFFERED})
        return quotes[0]

    def _request(self, province_code: str, city_code: str, weight_grams: int,
                 items_amount: Decimal) -> dict[str, Any]:
        values: dict[str, Any] = validate(QuoteSchema(), {
            "province_code": province_code, "city_code": city_code,
            "weight_grams": weight_grams, "items_amount": items_amount})
        return values

    def _quotes(self, offers: list[OfferRecord], request: Mapping[str, Any]
                ) -> list[ShippingQuote]:
        chosen: dict[str, OfferRecord] = {}
        for offer in offers:  # a province's own rule wins over the default one
            if offer.code not in chosen or offer.rule.region != EVERYWHERE_ELSE:
                chosen[offer.code] = offer
        priced = []
        for offer in chosen.values():
            fee, free = shipping_fee(offer.rule, request["weight_grams"],
                                     request["items_amount"], offer.free_above)
            name = pick(self.uow.locale, offer.name_zh, offer.name_en)
            priced.append((fee, offer.position, offer.code, ShippingQuote(offer.code, name,
                                                                          fee, free)))
        return [quote for *_, quote in sorted(priced, key=lambda p: p[:3])]

    # -- for staff --------------------------------------------------------------------------

    def methods(self) -> tuple[ShippingMethodView, ...]:
        """Every method, active or not, by position: three statements."""
        self.uow.actor.require(MANAGE)
        return self._views(self._repo.all())

    def method(self, code: str) -> ShippingMethodView:
        self.uow.actor.require(MANAGE)
        return self._views([self._get(code)])[0]

    def create_method(self, data: Mapping[str, Any]) -> ShippingMethodView:
        """``data``: code, name_zh, name_en, is_active, position, free_above, the rules (a list
        of mappings, or ``rules_text`` one per line) and excluded_regions (codes, or a text)."""
        self.uow.actor.require(MANAGE)
        values = self._validated(data)
        if self._repo.by_code(values["code"]) is not None:
            raise Invalid({"code": _("Already taken")})
        method = ShippingMethod(code=values["code"], **{k: values[k] for k in _COLUMNS})
        if not self._repo.add(method):
            raise Invalid({"code": _("Already taken")})
        self._repo.replace_rules(method.id, values["rules"])
        self._repo.replace_exclusions(method.id, values["excluded_regions"])
        view = self._views([method])[0]
        self.uow._audit.record("shipping.method.create", "shipping_method", method.code,
                               after=_audited(view))
        return view

    def update_method(self, code: str, data: Mapping[str, Any]) -> ShippingMethodView:
        """Change the given keys; the others keep their values. Given rules or excluded
        regions replace the method's own. The code never changes."""
        self.uow.actor.require(MANAGE)
        method = self._get(code)
        old = self._views([method])[0]
        given = {key: value for key, value in data.items() if key != "code"}
        values = self._validated({**_current(old), **given})
        for key in _COLUMNS:
            setattr(method, key, values[key])
        self._repo.replace_rules(method.id, values["rules"])
        self._repo.replace_exclusions(method.id, values["excluded_regions"])
        new = self._views([method])[0]
        if _audited(old) != _audited(new):
            self.uow._audit.record("shipping.method.update", "shipping_method", method.code,
                                   before=_audited(old), after=_audited(new))
        return new

    def deactivate_method(self, code: str) -> ShippingMethodView:
        """Checkout stops offering the method; staff may activate it again by an update."""
        return self.update_method(code, {"is_active": False})

    # -- helpers ----------------------------------------------------------------------------

    def _validated(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The schema's values; rules typed one per line are read first, and a complaint about
        one of them names its line."""
        numbers = None
        if "rules_text" in data:
            rules, numbers = rule_lines.parse(data["rules_text"])
            data = {**{k: v for k, v in data.items() if k != "rules_text"}, "rules": rules}
        try:
            values: dict[str, Any] = validate(ShippingMethodSchema(), data)
        except Invalid as exc:
            if numbers is None:
                raise
            raise Invalid(rule_lines.line_errors(exc.errors, numbers)) from None
        return values

    def _get(self, code: str) -> ShippingMethod:
        wanted = code_or_none(code)
        method = self._repo.by_code(wanted) if wanted else None
        if method is None:
            raise NotFound(f"no shipping method {str(code)[:40]!r}")
        return method

    def _views(self, methods: Sequence[ShippingMethod]) -> tuple[ShippingMethodView, ...]:
        """Read models of ``methods``: two statements (their rules, their exclusions)."""
        ids = [m.id for m in methods]
        rules = self._repo.rules_of(ids)
        exclusions = self._repo.exclusions_of(ids)
        return tuple(self._view(m, rules.get(m.id, []), exclusions.get(m.id, []))
                     for m in methods)

    def _view(self, method: ShippingMethod, rules: list[RuleRecord],
              excluded: list[str]) -> ShippingMethodView:
        rule_views = tuple(FeeRuleView(
            r.region, self._region_name(r.region), r.first_weight_grams, r.first_fee,
            r.additional_weight_grams, r.additional_fee) for r in rules)
        regions = tuple(RegionRef(code, self._region_name(code)) for code in excluded)
        return ShippingMethodView(
            method.id, method.code, method.name_zh, method.name_en,
            pick(self.uow.locale, method.name_zh, method.name_en), method.is_active,
            method.position, method.free_above, rule_views, regions,
            rule_lines.format_rules(rule_views),
            "\n".join(f"{r.code}  # {r.name}" for r in regions))

    def _region_name(self, code: str) -> str:
        if code == EVERYWHERE_ELSE:
            everywhere: str = _EVERYWHERE  # a translation string: the page translates it
            return everywhere
        region = region_table().get(code)
        return region.name(self.uow.locale) if region else code



def _current(view: ShippingMethodView) -> dict[str, Any]:
    """The method's values as input to the schema, for an update to lay its keys over."""
    return {"code": view.code, "name_zh": view.name_zh, "name_en": view.name_en,
            "is_active": view.is_active, "position": view.position,
            "free_above": view.free_above,
            "rules": [{"region": r.region, "first_weight_grams": r.first_weight_grams,
                       "first_fee": r.first_fee,
                       "additional_weight_grams": r.additional_weight_grams,
                       "additional_fee": r.additional_fee} for r in view.rules],
            "excluded_regions": [r.code for r in view.excluded_regions]}


def _audited(view: ShippingMethodView) -> dict[str, Any]:
    values = _current(view)
    values["rules"] = [{**rule, "first_fee": str(rule["first_fee"]),
                        "additional_fee": str(rule["additional_fee"])}
                       for rule in values["rules"]]
    return values
