"""Catalog pages. Each view parses the request, calls the catalog service, and renders what it
returns with what the promotions show of it: a tag on each listing card (matched in memory, no
query), and on a product page its campaigns, its SKU's flash sale and the coupons to claim."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyramid.request import Request
from pyramid.view import view_config

from shop.application.catalog.read_models import ProductCard, ProductPage
from shop.presentation.security import PUBLIC
from shop.presentation.templating import template


def _query(request: Request) -> dict[str, list[str]]:
    return request.GET.dict_of_lists()


def _tagged(request: Request, page: Any, *cards: Sequence[ProductCard]) -> dict[str, Any]:
    """A page with the promotion tags of its cards: one call for all of them."""
    return {"page": page,
            "tags": request.shop.showcase.tags_for_cards([c for shelf in cards for c in shelf])}


@view_config(route_name="home", renderer=template("storefront/home.jinja2"), permission=PUBLIC)
def home(request: Request) -> dict:
    page = request.shop.catalog.home_page()
    return {**_tagged(request, page, page.new_arrivals, page.best_sellers),
            "campaigns": request.shop.promotions.live_campaigns()}


@view_config(route_name="category",
             renderer=template("storefront/listing.jinja2"), permission=PUBLIC)
def category(request: Request) -> dict:
    page = request.shop.catalog.category_page(request.matchdict["slug"], _query(request))
    return _tagged(request, page, page.products)


@view_config(route_name="brand", renderer=template("storefront/listing.jinja2"), permission=PUBLIC)
def brand(request: Request) -> dict:
    page = request.shop.catalog.brand_page(request.matchdict["slug"], _query(request))
    return _tagged(request, page, page.products)


@view_config(route_name="search", renderer=template("storefront/listing.jinja2"), permission=PUBLIC)
def search(request: Request) -> dict:
    page = request.shop.catalog.search_page(_query(request))
    return _tagged(request, page, page.products)


@view_config(route_name="product",
             renderer=template("storefront/product.jinja2"), permission=PUBLIC)
def product(request: Request) -> dict:
    page = request.shop.catalog.product_page(request.matchdict["slug"], request.GET.get("sku"))
    return product_context(request, page)


def product_context(request: Request, page: ProductPage) -> dict[str, Any]:
    """What the product page shows (also when the cart sends it back with a refusal): the
    campaigns that apply, the chosen SKU's flash sale, the coupons to claim for it."""
    shown = request.shop.showcase.for_product(page)
    return {
        **_tagged(request, page, page.related),
        "promotions": shown,
        "flash": next((f for f in shown.flash if f.sku_code == page.sku.code), None),
        "coupons": request.shop.showcase.coupons_for(page, request.shop.coupons.center()),
    }
