"""The few characters a promotion tag shows (满200减20, 8折, 秒杀), from a campaign's stored rule:
what listing cards, product pages and landing pages print."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shop.application.i18n import _


def tag_label(kind: str, rule: Any) -> Any:
    """The few characters a tag shows, from the stored rule."""
    if kind == "spend_save":
        threshold, saving = rule["tiers"][0]
        if rule.get("repeat"):
            return _("Every ¥${threshold} saves ¥${saving}",
                     mapping={"threshold": threshold, "saving": saving})
        return _("¥${saving} off ¥${threshold}", mapping={"threshold": threshold,
                                                         "saving": saving})
    if kind == "percent_off":
        # Chinese counts what is paid, in tenths: 20% off is 8折.
        paid = (100 - Decimal(rule["percent"])) / 10
        return _("${percent} off", mapping={"percent": f"{rule['percent']}%",
                                            "tenths": f"{paid.normalize():f}"})
    if kind == "amount_off":
        return _("¥${amount} off each", mapping={"amount": rule["amount"]})
    if kind == "buy_x_get_y":
        return _("Buy ${buy} get ${get}", mapping={"buy": rule["buy"], "get": rule["get"]})
    if kind == "n_for_price":
        return _("Any ${count} for ¥${price}", mapping={"count": rule["count"],
                                                        "price": rule["price"]})
    if kind == "nth_discount":
        paid = (100 - Decimal(rule["percent"])) / 10
        return _("${percent} off item ${nth}", mapping={"nth": rule["nth"],
                                                        "percent": f"{rule['percent']}%",
                                                        "tenths": f"{paid.normalize():f}"})
    if kind == "gift":
        return _("Gift over ¥${threshold}", mapping={"threshold": rule["threshold"]})
    if kind == "free_shipping":
        return _("Free shipping over ¥${threshold}",
                 mapping={"threshold": rule.get("threshold") or "0"})
    if kind == "flash_sale":
        return _("Flash sale")
    return _("Special price")


def coupon_label(kind: str, amount: Decimal | None, percent: Decimal | None,
                 cap: Decimal | None) -> Any:
    """What a coupon gives, in the words of a tag (¥20 off, 85折 up to ¥50, free shipping):
    the coupon center, 我的优惠券 and the product page print it beside its minimum spend."""
    if kind == "amount" and amount is not None:
        return _("¥${amount} off", mapping={"amount": _plain(amount)})
    if kind == "percent" and percent is not None:
        values = {"percent": f"{_plain(percent)}%", "tenths": _plain((100 - percent) / 10)}
        if cap is not None:
            return _("${percent} off, at most ¥${cap}", mapping={**values, "cap": _plain(cap)})
        return _("${percent} off", mapping=values)
    return _("Free shipping")


def _plain(amount: Decimal) -> str:
    """20.00 → "20", 8.50 → "8.5": a tag's few characters."""
    return f"{amount.normalize():f}"
