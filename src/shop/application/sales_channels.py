"""Where a visitor shops from (销售渠道): what a campaign may be limited to (手机专享价, an app's
own offer). The web tier says which for each request; a script or an integrator passes it to
``Shop.transaction``. It is a marketing segment, not a security boundary: a visitor can claim
any channel, as a shop's app or mini program could be imitated."""

from __future__ import annotations

from shop.application.errors import Invalid
from shop.application.i18n import _

CHANNELS = {"web": _("Web"), "mobile": _("Mobile web"), "app": _("App"),
            "mini_program": _("Mini program"), "phone": _("Phone order")}
WEB = "web"
#: Staff took the order on the phone (电话订购, ``shop.application.ordering.entry``).
PHONE = "phone"
#: Where an order can come from: the channels, and an external group-buy platform's import
#: (which no campaign is limited to: its price is the platform's).
GROUP_BUY = "group_buy"
ORDER_CHANNELS = {**CHANNELS, GROUP_BUY: _("Group buy (external platform)")}


def checked(channel: str) -> str:
    if channel not in CHANNELS:
        raise Invalid({"channel": _("Unknown: ${code} (choose from ${choices})",
                                    mapping={"code": channel, "choices": " ".join(CHANNELS)})})
    return channel
