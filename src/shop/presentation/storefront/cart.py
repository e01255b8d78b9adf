"""The cart pages (/cart): the lines, and the forms that add, change, remove and choose them.

Every change is a POST (with the CSRF token every unsafe request carries) that redirects back:
the page works without JavaScript, and ``static/cart.js`` only submits a stepper or a checkbox as
soon as it changes. A guest's cart token lives in its own cookie (``sessions.keep_guest_cart``),
set when the guest's first add makes the cart.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from shop.application import Invalid, NotFound
from shop.application.cart.schemas import MAX_LINES, MAX_QUANTITY
from shop.presentation.security import PUBLIC
from shop.presentation.sessions import guest_cart_token, keep_guest_cart
from shop.presentation.storefront.catalog import product_context
from shop.presentation.templating import template

CART_PAGE = template("storefront/cart.jinja2")
PRODUCT_PAGE = template("storefront/product.jinja2")


def _messages(request: Request, error: Invalid) -> list[str]:
    return [request.localizer.translate(message) for message in error.errors.values()]


def _cart_page(request: Request, errors: list[str] | None = None) -> dict[str, Any]:
    return {"cart": request.shop.cart.view(guest_token=guest_cart_token(request)),
            "errors": errors or [], "max_quantity": MAX_QUANTITY, "max_lines": MAX_LINES}


def _back_to_cart(request: Request) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.route_path("cart"))


@view_config(route_name="cart", request_method="GET", renderer=CART_PAGE, permission=PUBLIC)
def cart(request: Request) -> dict[str, Any]:
    return _cart_page(request)


@view_config(route_name="cart_add", request_method="POST", permission=PUBLIC)
def add(request: Request) -> Response:
    """加入购物车 goes back to the product with a notice; 立即购买 (``buy``) straight to checkout
    (an add always selects its line, so the item bought now is among those checked out)."""
    slug, sku = request.POST.get("product", ""), request.POST.get("sku", "")
    try:
        change = request.shop.cart.add({"sku": sku, "quantity": request.POST.get("quantity")},
                                       guest_token=guest_cart_token(request))
    except Invalid as exc:
        # The product page again, with the message; without one to go back to (no slug, or
        # a product that is gone), the cart page: the message is never lost to a 404.
        try:
            page = request.shop.catalog.product_page(slug, sku) if slug else None
        except NotFound:
            page = None
        if page is None:
            return _refused_on_cart_page(request, exc)
        request.response.status_int = 400
        return render_to_response(PRODUCT_PAGE, {**product_context(request, page),
                                                 "cart_errors": _messages(request, exc)},
                                  request=request, response=request.response)
    if "buy" in request.POST:
        location = request.route_path("checkout")
    elif not slug:
        location = request.route_path("cart")
    else:
        location = request.route_path("product", slug=slug, _query={"sku": sku, "added": "1"})
    response = HTTPSeeOther(location=location)
    if change.new_guest_token is not None:
        keep_guest_cart(request, response, change.new_guest_token)
    return response


def _line_change(request: Request, change: Any, data: dict[str, Any]) -> Any:
    try:
        change({"line": request.matchdict["line"], **data},
               guest_token=guest_cart_token(request))
    except Invalid as exc:
        return _refused_on_cart_page(request, exc)
    return _back_to_cart(request)


def _refused_on_cart_page(request: Request, refused: Invalid) -> Response:
    request.response.status_int = 400
    return render_to_response(CART_PAGE, _cart_page(request, _messages(request, refused)),
                              request=request, response=request.response)


@view_config(route_name="cart_quantity", request_method="POST", permission=PUBLIC)
def set_quantity(request: Request) -> Any:
    return _line_change(request, request.shop.cart.set_quantity,
                        {"quantity": request.POST.get("quantity")})


@view_config(route_name="cart_remove", request_method="POST", permission=PUBLIC)
def remove(request: Request) -> Any:
    return _line_change(request, request.shop.cart.remove, {})


@view_config(route_name="cart_select", request_method="POST", permission=PUBLIC)
def select(request: Request) -> Any:
    return _line_change(request, request.shop.cart.select,
                        {"selected": request.POST.get("selected", "false")})


def cart_count(request: Request) -> int:
    """The header badge's number of lines (``request.cart_count``)."""
    return request.shop.cart.line_count(guest_token=guest_cart_token(request))


def includeme(config: Configurator) -> None:
    config.add_route("cart", "/cart")
    config.add_route("cart_add", "/cart/add")
    config.add_route("cart_quantity", "/cart/lines/{line}/quantity")
    config.add_route("cart_remove", "/cart/lines/{line}/remove")
    config.add_route("cart_select", "/cart/lines/{line}/select")
    config.add_request_method(cart_count, "cart_count", reify=True)
