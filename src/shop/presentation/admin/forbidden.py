"""The back office's own 403 page: a staff member who opens a page their role lacks stays in the
back office (its layout, its navigation, a way back to the dashboard) instead of landing on the
storefront's error page. Visitors who are not staff never see it: ``errors.forbidden`` sends
them to the staff login first."""

from __future__ import annotations

from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from shop.presentation.templating import template

TEMPLATE = template("admin/forbidden.jinja2")


def is_back_office(request: Request) -> bool:
    path = str(request.path)
    return path == "/admin" or path.startswith("/admin/")


def admin_forbidden_page(request: Request) -> Response:
    response = render_to_response(TEMPLATE, {}, request=request)
    response.status_int = 403
    return response
