"""My wallet (/account/wallet: 我的钱包): the balance, points and gift cards with their recent
history, older history page by page (/account/wallet/history), and adding a gift card by its
code and PIN (绑定礼品卡).

History pages are keyset pages: ``before`` is the id of the last line shown, so a line booked
meanwhile never shifts a page. A page that is full may have older lines: it links to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission, Throttled
from shop.application.payments.wallet import HISTORY
from shop.application.validation import entity_key
from shop.presentation.i18n import _
from shop.presentation.templating import template
from shop.presentation.untrusted import echoed

PAGE = template("wallet/index.jinja2")
DONE = {"card_added": _("The gift card is added to your account.")}
TITLES = {"balance": _("Balance history"), "points": _("Points history"),
          "gift_card": _("Gift card history")}


def older(lines: Sequence[Any]) -> int | None:
    """The ``before`` of the page after ``lines``: when they fill a page there may be more."""
    return lines[-1].id if len(lines) >= HISTORY else None


def _page(request: Request, *, values: dict[str, Any] | None = None,
          error: Invalid | Throttled | None = None) -> dict[str, Any]:
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
    wallet = request.shop.wallet.mine()
    done = DONE.get(request.GET.get("done", "")) if error is None else None
    return {
        "wallet": wallet,
        "older": {"balance": older(wallet.balance_history),
                  "points": older(wallet.points_history)},
        "values": echoed(values or {}),
        "errors": errors,
        "throttled": throttled,
        "notice": translate(done) if done is not None else None,
    }


@view_config(route_name="wallet", request_method="GET", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def wallet(request: Request) -> dict[str, Any]:
    return _page(request)


@view_config(route_name="wallet_gift_card", request_method="POST", renderer=PAGE,
             permission=Permission.ACCOUNT_SELF)
def add_gift_card(request: Request) -> Any:
    data = {"code": request.POST.get("code", ""), "pin": request.POST.get("pin", "")}
    try:
        request.shop.gift_cards.add_to_account(data)
    except (Invalid, Throttled) as exc:
        return _page(request, values={"code": data["code"]}, error=exc)
    return HTTPSeeOther(location=request.route_path("wallet", _query={"done": "card_added"}))


@view_config(route_name="wallet_history", request_method="GET",
             renderer=template("wallet/history.jinja2"), permission=Permission.ACCOUNT_SELF)
def history(request: Request) -> dict[str, Any]:
    """One page of an account's lines: ``kind`` (balance, points, gift_card with ``card``),
    older than ``before``. Anything that names no line or card of the shopper's: not found."""
    kind = request.GET.get("kind", "")
    before, card = request.GET.get("before"), request.GET.get("card")
    before_id, card_id = entity_key(before), entity_key(card)
    if kind not in TITLES or (before is not None and before_id is None) \
            or (card is not None and card_id is None):
        raise HTTPNotFound()
    try:
        lines = request.shop.wallet.history(kind, before_id, card_id)
    except Invalid:  # a card that is not the shopper's
        raise HTTPNotFound() from None
    query = {"kind": kind, **({"card": str(card_id)} if card_id is not None else {})}
    next_before = older(lines)
    return {"kind": kind, "title": request.localizer.translate(TITLES[kind]), "lines": lines,
            "newest": query if before_id is not None else None,
            "older": {**query, "before": next_before} if next_before else None}


def includeme(config: Configurator) -> None:
    config.add_route("wallet", "/account/wallet")
    config.add_route("wallet_gift_card", "/account/wallet/gift-cards")
    config.add_route("wallet_history", "/account/wallet/history")
