"""The back office's home (工作台): today against yesterday, the week's trend as inline SVG, and
the to-dos linked to their queues. Which blocks show is the application tier's decision
(``uow.dashboard``); this view only draws what it is given."""

from __future__ import annotations

from decimal import Decimal

from pyramid.request import Request
from pyramid.view import view_config

from shop.application import Overview, Permission
from shop.presentation.admin.trend_chart import TrendChart, trend_chart
from shop.presentation.templating import price_filter, template

#: Where each to-do's queue is, with the query that narrows it; a queue whose page does not
#: exist yet (there is no stock page in the back office so far) is not linked.
TODO_QUEUES: dict[str, tuple[str, dict[str, str]]] = {
    "awaiting_shipment": ("admin_orders", {"state": "awaiting_shipment"}),
    "awaiting_review": ("admin_orders", {"review": "queue"}),
    "after_sales": ("admin_rma", {"state": "open"}),
    "low_stock": ("admin_stock", {"low": "1"}),
}


@view_config(route_name="admin", request_method="GET", renderer=template("admin/dashboard.jinja2"),
             permission=Permission.ADMIN_ACCESS)
def dashboard(request: Request) -> dict:
    overview = request.shop.dashboard.overview()
    return {"dashboard": overview.people, "overview": overview,
            "chart": _chart(overview), "todo_links": _todo_links(request, overview)}


def _chart(overview: Overview) -> TrendChart | None:
    """Paid amount per day for those who see sales; visitors for those who see only those."""
    if not overview.trend:
        return None
    days = [figures.day for figures in overview.trend]
    if overview.shows_sales:
        return trend_chart(days, [f.sales if f.sales is not None else Decimal(0)
                                 for f in overview.trend],
                           lambda value: price_filter(Decimal(value)))
    return trend_chart(days, [f.visitors or 0 for f in overview.trend], str)


def _todo_links(request: Request, overview: Overview) -> dict[str, str]:
    links = {}
    for todo in overview.todos:
        route, query = TODO_QUEUES.get(todo.key, ("", {}))
        if route and request.registry.introspector.get("routes", route) is not None:
            links[todo.key] = request.route_path(route, _query=query)
    return links
