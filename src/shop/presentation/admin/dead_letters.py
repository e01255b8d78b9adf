"""The dead-letter queue (死信队列): deliveries and messages that failed their last try, each
with its error and a button that sends it round again (a CSRF-protected POST)."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Permission
from shop.presentation.admin.forms import see_other
from shop.presentation.i18n import _
from shop.presentation.templating import template

MANAGE = Permission.SYSTEM_JOBS


def includeme(config: Configurator) -> None:
    config.add_route("admin_dead_letters", "/admin/dead-letters")
    config.add_route("admin_dead_event_retry", r"/admin/dead-letters/events/{id:\d+}/retry")
    config.add_route("admin_dead_message_retry", r"/admin/dead-letters/messages/{id:\d+}/retry")
    config.add_admin_area("admin_dead_letters", _("Dead letters"), MANAGE, order=940,
                          module="system")


@view_config(route_name="admin_dead_letters", request_method="GET",
             renderer=template("admin/dead_letters.jinja2"), permission=MANAGE)
def dead_letters(request: Request) -> dict:
    return {"overview": request.shop.dead_letters.overview(),
            "retried": request.GET.get("retried", "")}


@view_config(route_name="admin_dead_event_retry", request_method="POST", permission=MANAGE)
def retry_event(request: Request) -> HTTPSeeOther:
    request.shop.dead_letters.retry_event(request.matchdict["id"])
    return see_other(request, "admin_dead_letters", _query={"retried": "event"})


@view_config(route_name="admin_dead_message_retry", request_method="POST", permission=MANAGE)
def retry_message(request: Request) -> HTTPSeeOther:
    request.shop.dead_letters.retry_message(request.matchdict["id"])
    return see_other(request, "admin_dead_letters", _query={"retried": "message"})
