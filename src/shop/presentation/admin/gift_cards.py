"""Gift cards (礼品卡) in the back office: the batches issued, and issuing one.

The answer to issuing is the only time anyone sees the cards' PINs (the shop keeps only their
hashes): the page lists codes and PINs and carries them as a CSV file in a ``data:`` link, so
the download needs no second request and nothing re-readable is left on the server.
"""

from __future__ import annotations

import csv
import io
import secrets
from typing import Any
from urllib.parse import quote

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Invalid, Permission
from shop.application.payments.giftcards import MAX_BATCH, IssuedBatch
from shop.presentation.admin.forms import form_errors, given_key, posted
from shop.presentation.i18n import _
from shop.presentation.templating import local_time, template
from shop.presentation.untrusted import echoed

VIEW = Permission.FINANCE_VIEW
MANAGE = Permission.FINANCE_MANAGE
LIST = template("admin/gift_cards.jinja2")
FIELDS = ["name", "value", "quantity", "expires_on", "request_key"]
PAGE_SIZE = 50


def includeme(config: Configurator) -> None:
    config.add_route("admin_gift_cards", "/admin/gift-cards")
    config.add_admin_area("admin_gift_cards", _("Gift cards"), VIEW, order=700,
                          module="finance")


def _list(request: Request, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    batches = request.shop.gift_cards.batches(given_key(request.GET.get("before")), PAGE_SIZE)
    # A new key for each form shown: the same form sent twice issues one batch.
    values = {**values, "request_key": secrets.token_urlsafe(24)}
    return {"batches": batches, "values": echoed(values), "errors": errors,
            "may_issue": request.actor.can(MANAGE), "max_batch": MAX_BATCH,
            "older": batches[-1].id if len(batches) == PAGE_SIZE else None}


@view_config(route_name="admin_gift_cards", request_method="GET", renderer=LIST,
             permission=VIEW)
def batches(request: Request) -> dict[str, Any]:
    return _list(request, {"quantity": "100"}, {})


@view_config(route_name="admin_gift_cards", request_method="POST", renderer=LIST,
             permission=MANAGE)
def issue(request: Request) -> Any:
    data = posted(request, FIELDS)
    try:
        batch = request.shop.gift_cards.issue(data)
    except Invalid as exc:
        request.response.status_int = 400
        return _list(request, data, form_errors(request, exc))
    request.override_renderer = template("admin/gift_cards_issued.jinja2")
    return {"name": data["name"], "batch": batch,
            "cards": [(_grouped(card.code), card.pin) for card in batch.cards],
            "csv_link": _csv_link(request, batch),
            "csv_name": f"gift-cards-{batch.batch_id}.csv"}


def _grouped(code: str) -> str:
    """``ABCD EFGH JKLM NPQR``: easier to read out and type (spaces are ignored when used)."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def _csv_link(request: Request, batch: IssuedBatch) -> str:
    """The batch as a ``data:`` URL of a CSV file (with a BOM, so Excel reads it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "pin", "value", "expires_at"])
    expires = local_time(request, batch.expires_at)
    writer.writerows([card.code, card.pin, f"{batch.value:.2f}", expires]
                     for card in batch.cards)
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + out.getvalue())
