"""What the shopper is told when an order is placed, is paid and ships: an SMS to the account's
mobile (an email when it has none), in the account's language, queued in the outbox by the
ordering handlers after the order's transaction committed (once per event and handler).
"""

from __future__ import annotations

from shop.application.accounts.messages import Text
from shop.application.locales import normalize_locale

TEXTS: dict[str, dict[str, Text]] = {
    "placed_online": {
        "zh_CN": Text("订单已提交", "您的订单 {number} 已提交，应付 ¥{payable}，"
                                  "请在 {deadline} 前完成支付，逾期订单将自动关闭。"),
        "en": Text("Your order is placed", "Your order {number} is placed: ¥{payable} to pay "
                                           "by {deadline}, after which it closes."),
    },
    "placed_cod": {
        "zh_CN": Text("订单已提交", "您的订单 {number} 已提交，货到付款 ¥{payable}，"
                                  "我们会尽快为您发货。"),
        "en": Text("Your order is placed", "Your order {number} is placed: ¥{payable} to pay "
                                           "on delivery. We will ship it soon."),
    },
    "paid": {
        "zh_CN": Text("付款成功", "您的订单 {number} 已付款 ¥{payable}，我们会尽快为您发货。"),
        "en": Text("Payment received", "We received ¥{payable} for your order {number} and "
                                       "will ship it soon."),
    },
    "shipped": {
        "zh_CN": Text("订单已发货", "您的订单 {number} 已由{carrier}发出，运单号 {tracking}。"),
        "en": Text("Your order has shipped", "Your order {number} has shipped with {carrier}, "
                                             "tracking number {tracking}."),
    },
}


def render(name: str, locale: str | None, **values: object) -> Text:
    text = TEXTS[name][normalize_locale(locale)]
    return Text(text.subject.format(**values), text.body.format(**values))
