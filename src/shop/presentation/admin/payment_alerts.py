"""Payment alerts (支付告警) for finance: what the payments service could not settle by itself
(a notification that failed its signature, a payment of the wrong amount or for no known trade,
a late payment completed or refunded), newest first, each resolved with a button."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Permission
from shop.application.validation import entity_key
from shop.presentation.admin.forms import given_key, see_other
from shop.presentation.i18n import _
from shop.presentation.templating import template

VIEW = Permission.FINANCE_VIEW
MANAGE = Permission.FINANCE_MANAGE
PAGE_SIZE = 50


def includeme(config: Configurator) -> None:
    config.add_route("admin_payment_alerts", "/admin/payments/alerts")
    config.add_admin_area("admin_payment_alerts", _("Payment alerts"), VIEW, order=710,
                          module="finance")


@view_config(route_name="admin_payment_alerts", request_method="GET",
             renderer=template("admin/payment_alerts.jinja2"), permission=VIEW)
def alerts(request: Request) -> dict[str, Any]:
    """The open alerts (``?all=1``: resolved ones too), ``PAGE_SIZE`` at a time."""
    every = request.GET.get("all") == "1"
    found = request.shop.payments.alerts(open_only=not every,
                                         before=given_key(request.GET.get("before")),
                                         limit=PAGE_SIZE)
    older = {**({"all": "1"} if every else {}), "before": found[-1].id} \
        if len(found) == PAGE_SIZE else None
    return {"alerts": found, "every": every, "older": older,
            "may_resolve": request.actor.can(MANAGE),
            "resolved": request.GET.get("resolved") == "1"}


@view_config(route_name="admin_payment_alerts", request_method="POST", permission=MANAGE)
def resolve(request: Request) -> HTTPSeeOther:
    alert_id = entity_key(request.POST.get("alert"))
    if alert_id is None:
        raise HTTPNotFound()
    request.shop.payments.resolve_alert(alert_id)
    return see_other(request, "admin_payment_alerts", _query={"resolved": "1"})
