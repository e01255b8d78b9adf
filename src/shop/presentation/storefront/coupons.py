"""Coupons as shoppers see them: 领券中心 (/coupons) and 我的优惠券 (/account/coupons).

Anyone may look at the coupon center; claiming one (a POST to the same page) needs a signed-in
shopper, so a visitor is sent to log in and comes back to the center. A claim answers with a
message: claimed (a redirect, so a reload claims nothing more), or the service's refusal (this
shopper's limit reached, none left) on the page again.

My coupons has a tab per state (未使用 / 已使用 / 已过期), each a keyset page (``after`` is the
previous page's ``next_after``), and a form to add a code (兑换), throttled by the service.
"""

from __future__ import annotations

import re
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Conflict, Invalid, Permission, Throttled
from shop.application.promotions.coupons import TABS
from shop.application.validation import entity_key
from shop.presentation.i18n import _
from shop.presentation.security import PUBLIC
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

CENTER = template("promotions/coupon_center.jinja2")
MINE = template("promotions/my_coupons.jinja2")
TAB_LABELS = {"usable": _("Unused"), "used": _("Used"), "expired": _("Expired")}
CLAIMED = _("Coupon claimed: you will find it in My coupons.")
#: A campaign's code, as a claim made on its landing page names it.
CAMPAIGN_CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,59}")
ADDED = _("The coupon is added to your account.")


def _center(request: Request, refusal: Any = None, status: int = 200) -> dict[str, Any]:
    request.response.status_int = status
    translate = request.localizer.translate
    return {"entries": request.shop.coupons.center(),
            "refusal": translate(refusal) if refusal is not None else None,
            "notice": translate(CLAIMED) if request.GET.get("done") == "claimed" else None}


@view_config(route_name="coupon_center", request_method="GET", renderer=CENTER,
             permission=PUBLIC)
def center(request: Request) -> dict[str, Any]:
    return _center(request)


@view_config(route_name="coupon_center", request_method="POST", renderer=CENTER,
             permission=Permission.ACCOUNT_SELF)
def claim(request: Request) -> Any:
    """领取: the template named by ``template_id``; a key that names none is not found."""
    template_id = entity_key(request.POST.get("template_id"))
    if template_id is None:
        raise HTTPNotFound()
    try:
        request.shop.coupons.claim(template_id)
    except Conflict as exc:
        return _center(request, exc.args[0] if exc.args else None, 409)
    except Invalid as exc:
        return _center(request, next(iter(exc.errors.values()), None), 400)
    campaign = request.POST.get("campaign", "")
    if CAMPAIGN_CODE.fullmatch(campaign):  # claimed on a campaign's page: back to it
        return HTTPSeeOther(location=request.route_path("campaign", code=campaign,
                                                        _query={"done": "claimed"}))
    return HTTPSeeOther(location=request.route_path("coupon_center",
                                                    _query={"done": "claimed"}))


def _mine(request: Request, *, code: str = "", error: Invalid | Throttled | None = None,
          ) -> dict[str, Any]:
    """One tab of my coupons (``Invalid`` for a tab or a cursor that is none: a 400 page),
    with the add-a-code form and its message."""
    tab = request.GET.get("tab", "usable")
    page = request.shop.coupons.mine(tab, request.GET.get("after") or None)
    translate = request.localizer.translate
    errors: dict[str, str] = {}
    throttled = None
    if isinstance(error, Invalid):
        request.response.status_int = 400
        errors = {name: translate(message) for name, message in error.errors.items()}
    elif isinstance(error, Throttled):
        request.response.status_int = 429
        request.response.headers["Retry-After"] = str(error.retry_after)
        throttled = translate(error.message)
    return {"tab": tab, "tabs": [(key, translate(TAB_LABELS[key])) for key in TABS],
            "coupons": page.items, "next_after": page.next_after,
            "values": echoed({"code": code}), "errors": errors, "throttled": throttled,
            "notice": translate(ADDED) if error is None and request.GET.get("done") == "added"
            else None}


@view_config(route_name="my_coupons", request_method="GET", renderer=MINE,
             permission=Permission.ACCOUNT_SELF)
def mine(request: Request) -> dict[str, Any]:
    return _mine(request)


@view_config(route_name="my_coupons", request_method="POST", renderer=MINE,
             permission=Permission.ACCOUNT_SELF)
def add_code(request: Request) -> Any:
    """兑换: a code from a card or a message, bound to the shopper's account."""
    code = request.POST.get("code", "")
    try:
        request.shop.coupons.add_code(code)
    except (Invalid, Throttled) as exc:
        return _mine(request, code=code, error=exc)
    return HTTPSeeOther(location=request.route_path("my_coupons", _query={"done": "added"}))


def includeme(config: Configurator) -> None:
    config.add_route("coupon_center", "/coupons")
    config.add_route("my_coupons", "/account/coupons")
