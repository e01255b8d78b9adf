"""Catalog pages. Each view parses the request, calls one service, and renders what it returns."""

from __future__ import annotations

from pyramid.request import Request
from pyramid.view import view_config

from shop.presentation.security import PUBLIC
from shop.presentation.templating import template


def _query(request: Request) -> dict[str, list[str]]:
    return request.GET.dict_of_lists()


@view_config(route_name="home", renderer=template("storefront/home.jinja2"), permission=PUBLIC)
def home(request: Request) -> dict:
    return {"page": request.shop.catalog.home_page()}


@view_config(route_name="category",
             renderer=template("storefront/listing.jinja2"), permission=PUBLIC)
def category(request: Request) -> dict:
    slug = request.matchdict["slug"]
    return {"page": request.shop.catalog.category_page(slug, _query(request))}


@view_config(route_name="brand", renderer=template("storefront/listing.jinja2"), permission=PUBLIC)
def brand(request: Request) -> dict:
    slug = request.matchdict["slug"]
    return {"page": request.shop.catalog.brand_page(slug, _query(request))}


@view_config(route_name="search", renderer=template("storefront/listing.jinja2"), permission=PUBLIC)
def search(request: Request) -> dict:
    return {"page": request.shop.catalog.search_page(_query(request))}


@view_config(route_name="product",
             renderer=template("storefront/product.jinja2"), permission=PUBLIC)
def product(request: Request) -> dict:
    page = request.shop.catalog.product_page(request.matchdict["slug"], request.GET.get("sku"))
    return {"page": page}
