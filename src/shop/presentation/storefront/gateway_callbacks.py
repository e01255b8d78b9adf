"""What the payment gateways send back: their notifications (异步通知), server to server, and the
shopper's browser returning from their pages (同步返回).

Neither carries the shop's CSRF token: a notification comes from the gateway's servers and a
return is often a POST from the gateway's page (UnionPay's front notification). What proves them
is the gateway's signature, which the service has the adapter verify. A notification needs no
session; a return may come without the shopper's cookie too (SameSite keeps it off a POST from
another site), and goes to the order's page all the same, which asks them to sign in if need
be. Bodies are bounded like every request's (``untrusted.MAX_BODY_BYTES``).
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from shop.application.payments.calls import check_payment
from shop.application.payments.gateways.port import BadNotification, HttpRequest
from shop.presentation.security import PUBLIC


def _callback(request: Request) -> tuple[str, HttpRequest]:
    """The gateway named in the path, and the request as its adapter reads it; an unknown
    gateway is no page at all."""
    gateway = request.matchdict["gateway"]
    if gateway not in request.registry.shop.gateways:
        raise HTTPNotFound()
    return gateway, HttpRequest(headers=dict(request.headers.items()), body=request.body,
                                query=dict(request.GET.items()))


@view_config(route_name="payment_notify", request_method="POST", permission=PUBLIC,
             require_csrf=False)
def notify(request: Request) -> Response:
    """The answer the gateway expects: it sends the notification again until it is accepted,
    which happens only once the shop recorded it (the transaction commits before the answer
    leaves)."""
    ack = request.shop.payments.notify(*_callback(request))
    return Response(body=ack.body, status=ack.status, content_type=ack.content_type,
                    charset=None)


@view_config(route_name="payment_return", request_method=("GET", "POST"), permission=PUBLIC,
             require_csrf=False)
def returned(request: Request) -> Response:
    """To the order's page, after asking the gateway about a payment still pending (a return
    proves nothing by itself), with no transaction of this request writing meanwhile. Not the
    shopper's payment, or not verified: not found."""
    gateway, http = _callback(request)
    shop = request.registry.shop
    try:
        payment = shop.gateways[gateway].verify_return(http)
    except BadNotification:
        raise HTTPNotFound() from None
    # Before this request's own unit of work reads anything: the check commits apart.
    check_payment(shop, payment, shop.system_actor("payment-return"))
    back = request.shop.payments.returned(gateway, http)
    return HTTPSeeOther(location=request.route_path("order", number=back.order_number))


def includeme(config: Configurator) -> None:
    config.add_route("payment_notify", "/payments/{gateway}/notify")
    # Settling a payment the gateway reports paid writes in a transaction of its own, after
    # the call to the gateway; the request's own transaction only reads.
    config.add_route("payment_return", "/payments/{gateway}/return", reads_only=True)
