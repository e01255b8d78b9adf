"""Why an offer did not apply, and how far the cart is from the next one.

A staff member testing a promotion and a shopper looking at the cart both ask the same two
questions; the answers come from the engine's own search, replayed with the offer added to
the best combination, so that "add ¥30 more" is measured after the discounts that really
apply (a coupon's minimum spend counts what is left after 满减).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from shop.application.i18n import _
from shop.application.money import to_money
from shop.application.promotions.offers import (
    Combination,
    Context,
    CouponFreeShipping,
    FreeShipping,
    GiftWithPurchase,
    Line,
    Offer,
    Stacking,
    canonical_key,
)
from shop.application.promotions.results import NearMiss, Skipped
from shop.application.promotions.rules import next_goal

if TYPE_CHECKING:
    from shop.application.promotions.engine import Cart, State

MESSAGES = {
    "not_started": _("Not started yet"),
    "ended": _("Ended"),
    "channel": _("Not offered here"),
    "member_group": _("For other member groups"),
    "used_up": _("Used up"),
    "no_item_in_scope": _("No item in the cart qualifies"),
    "no_effect": _("Nothing in the cart earns it yet"),
    "threshold_not_reached": _("Threshold not reached: short by ¥${short}"),
    "exclusive": _("Exclusive: conflicts with ${offers}"),
    "group_exclusive": _("One offer of its group per item: conflicts with ${offers}"),
    "not_stackable": _("Does not stack with ${offers}"),
    "one_coupon": _("One coupon per order: ${offers} saves more"),
    "search_limit": _("Not tried: too many offers at once"),
    "lost": _("A better combination does without it"),
}


def refusal(offer: Offer, lines: Sequence[Line], context: Context) -> str | None:
    """Why ``offer`` cannot apply to this cart at all, before any arithmetic; None if it may."""
    if offer.starts_at is not None and context.now < offer.starts_at:
        return "not_started"
    if offer.ends_at is not None and context.now >= offer.ends_at:
        return "ended"
    if offer.channels and context.channel not in offer.channels:
        return "channel"
    if offer.groups and not offer.groups & context.groups:
        return "member_group"
    if offer.uses_left == 0:
        return "used_up"
    if not any(offer.scope.covers(line) for line in lines):
        return "no_item_in_scope"
    return None


def explain(cart: Cart, best: State, refused: Sequence[tuple[Offer, str]],
            qualified: frozenset[int], unsearched: frozenset[int]
            ) -> tuple[tuple[Skipped, ...], tuple[NearMiss, ...]]:
    """Every offer that did not apply with its reason, and the near misses: applied offers
    with a higher tier within reach, and offers whose threshold the cart has not reached."""
    skipped = [(canonical_key(offer), Skipped(offer.key, offer.name, reason, MESSAGES[reason]))
               for offer, reason in refused]
    near_misses = [(cart.keys[step.position], miss) for step in best.steps
                   if step.spend is not None
                   and (miss := near_miss(cart, step.position, step.spend)) is not None]
    applied = [step.position for step in best.steps]
    for index, offer in enumerate(cart.offers):
        if index in applied:
            continue
        reason, names, spend = _reason(cart, best, index, applied, qualified, unsearched)
        miss = near_miss(cart, index, spend) if reason == "threshold_not_reached" else None
        mapping = {"offers": "、".join(names),
                   "short": f"{miss.short_by:.2f}" if miss else ""}
        skipped.append((cart.keys[index], Skipped(offer.key, offer.name, reason,
                                                  _(MESSAGES[reason], mapping=mapping))))
        if miss is not None:
            near_misses.append((cart.keys[index], miss))
    return (tuple(skip for _, skip in sorted(skipped, key=lambda pair: pair[0])),
            tuple(miss for _, miss in sorted(near_misses, key=lambda pair: pair[0])))


def _reason(cart: Cart, best: State, index: int, applied: Sequence[int],
            qualified: frozenset[int], unsearched: frozenset[int]
            ) -> tuple[str, list[str], Decimal | None]:
    """The reason code, the offers it names, and the spend a threshold measured."""
    offer = cart.offers[index]
    # Replayed with the best combination (without its coupon, if this is one, so that a
    # coupon's own minimum spend is what it is told about).
    others = [i for i in applied if not (offer.is_coupon and cart.offers[i].is_coupon)]
    found = cart.run([*others, index])[1][index]
    if found.spend is None:
        found = cart.apply(cart.start, index)[0]
    short = (found.spend is not None and not found.touched
             and next_goal(offer.rule, found.spend) is not None)
    if index not in qualified:
        return ("threshold_not_reached" if short else "no_effect"), [], found.spend
    if index in unsearched:
        return "search_limit", [], None
    rivals = [i for i in applied if not cart.compatible[index][i]
              and any(best.touched[line.key] >> i & 1 for line in cart.scoped[index])]
    if rivals:
        names = [cart.offers[i].name for i in rivals]
        return _conflict(offer.stacking, cart.offers[rivals[0]].stacking), names, None
    if short:
        return "threshold_not_reached", [], found.spend
    coupons = [cart.offers[i].name for i in applied if cart.offers[i].is_coupon]
    if offer.is_coupon and coupons:
        return "one_coupon", coupons, None
    return "lost", [], None


def _conflict(one: Stacking, other: Stacking) -> str:
    if Combination.EXCLUSIVE in (one.mode, other.mode):
        return "exclusive"
    if one.group == other.group and Combination.GROUP_EXCLUSIVE in (one.mode, other.mode):
        return "group_exclusive"
    return "not_stackable"


def near_miss(cart: Cart, index: int, spend: Decimal | None) -> NearMiss | None:
    """How much more the offer's lines must come to for it to give (more), if anything."""
    offer = cart.offers[index]
    goal = None if spend is None else next_goal(offer.rule, spend)
    if spend is None or goal is None:
        return None
    threshold, saving = goal
    short = threshold - spend
    values = {"short": f"{short:.2f}"}
    if isinstance(offer.rule, GiftWithPurchase):
        message = _("Add ¥${short} more to get a gift", mapping=values)
    elif isinstance(offer.rule, FreeShipping | CouponFreeShipping):
        if not cart.shipping_fee:
            return None
        saving = cart.shipping_fee
        message = _("Add ¥${short} more for free shipping", mapping=values)
    else:
        message = _("Add ¥${short} more to save ¥${saving}",
                    mapping={**values, "saving": f"{saving:.2f}"})
        saving = None if saving is None else to_money(saving)
    return NearMiss(offer.key, offer.name, short, saving, message)
