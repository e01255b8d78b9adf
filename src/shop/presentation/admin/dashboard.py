"""The back office's front page: who you are, your roles, where you may go, a few numbers."""

from __future__ import annotations

from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Permission
from shop.presentation.templating import template


@view_config(route_name="admin", request_method="GET", renderer=template("admin/dashboard.jinja2"),
             permission=Permission.ADMIN_ACCESS)
def dashboard(request: Request) -> dict:
    return {"dashboard": request.shop.staff.dashboard()}
