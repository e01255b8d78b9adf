"""Shopper pages: home, category, brand, product, search."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("home", "/")
    config.add_route("category", "/c/{slug}")
    config.add_route("brand", "/b/{slug}")
    config.add_route("product", "/p/{slug}")
    config.add_route("search", "/search")
    config.include(".account")
