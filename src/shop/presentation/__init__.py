"""The web tier: Pyramid wiring. ``main`` is the paste entry point; ``make_app`` is for tests."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.csrf import CookieCSRFStoragePolicy

from shop.application import Shop
from shop.application.clock import SystemClock
from shop.application.jobs.runner import JobRunner
from shop.application.jobs.settings import JobSettings
from shop.application.payments.gateways.http import WsgiTransport
from shop.application.public_url import MissingPublicUrl
from shop.presentation.settings import PUBLIC_URL_VARIABLE, with_environment
from shop.simulators.mount import SimulatorApp, simulators_from_settings


def make_app(settings: dict[str, Any], shop: Shop | None = None) -> Any:
    """Build the WSGI app around ``shop`` (made from ``settings`` when not given)."""
    settings = dict(settings)
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("retry.attempts", 3)
    settings.setdefault("jinja2.i18n.domain", "shop")
    settings.setdefault("jinja2.filters", "price = shop.presentation.templating:price_filter")
    settings.setdefault("jinja2.trim_blocks", "true")
    settings.setdefault("jinja2.lstrip_blocks", "true")
    settings.setdefault("jinja2.finalize", "shop.presentation.templating:translated")
    with Configurator(settings=settings) as config:
        config.registry.shop = shop or Shop.from_settings(settings)
        config.include("pyramid_jinja2")
        config.add_jinja2_renderer(".jinja2")
        config.add_jinja2_search_path("shop.presentation:templates", name=".jinja2")
        config.include("pyramid_tm")
        config.include("pyramid_retry")
        secure = _flag(settings, "shop.secure_cookies")
        # __Host-: only this host over HTTPS sets or reads it (no subdomain can plant a token).
        config.set_csrf_storage_policy(CookieCSRFStoragePolicy(
            cookie_name="__Host-csrf_token" if secure else "csrf_token", secure=secure,
            httponly=True, samesite="Lax", path="/"))
        config.set_default_csrf_options(require_csrf=True)
        config.include(".request")
        config.include(".security")
        config.include(".i18n")
        config.include(".headers")
        config.include(".errors")
        config.include(".untrusted")
        config.include(".templating")
        config.include(".visits")
        config.add_static_view("static", "shop.presentation:static", cache_max_age=3600,
                               permission="public")
        config.add_static_view("deform", "deform:static", cache_max_age=86400,
                               permission="public")
        # Product images, under the random names the application gave them (only their
        # folder: after-sales photos in the media directory are not for everyone).
        config.add_static_view("media/products", str(config.registry.shop.media.directory),
                               cache_max_age=86400, permission="public")
        config.include(".storefront")
        config.include(".storefront.addresses")
        config.include(".storefront.invoicing")
        config.include(".storefront.rewards")
        config.include(".storefront.cart")
        config.include(".storefront.checkout")
        config.include(".storefront.orders")
        config.include(".storefront.service_center")
        config.include(".storefront.payments")
        config.include(".storefront.gateway_callbacks")
        config.include(".storefront.wallet")
        config.include(".storefront.oauth")
        config.include(".storefront.campaigns")
        config.include(".storefront.coupons")
        config.include(".storefront.flash_sales")
        config.scan(".storefront")
        config.include(".admin")
        config.scan(".admin")
        config.scan(".errors")
        config.scan(".i18n")
        app = config.make_wsgi_app()
    if JobSettings.from_settings(settings).in_process:
        # The embedded default: this process also runs the jobs (``make run`` needs nothing
        # else), in a daemon thread that dies with the process.
        config.registry.shop_jobs = JobRunner(config.registry.shop).start_thread()
    return app


def main(global_config: dict[str, Any], **settings: Any) -> Any:
    """Paste entry point used by ``pserve`` and by waitress in production."""
    return served(with_environment(settings))[1]


def served(settings: dict[str, Any]) -> tuple[Shop, Any]:
    """The shop and the WSGI application that serves it, with the gateway simulators in front
    when the settings ask for them (``shop.payments.simulators``).

    A served shop refuses to start without ``shop.public_url`` (its emails and the gateways'
    notify URLs would otherwise have no trustworthy address) or with a gateway named without
    its settings.
    """
    simulators = simulators_from_settings(settings, SystemClock())
    if simulators is None:
        shop = Shop.from_settings(settings)
    else:  # development: pay the local simulators, reached in-process
        transport = WsgiTransport(SimulatorApp(simulators.apps))
        shop = Shop.from_settings({**simulators.settings, **settings},
                                  gateway_transports=dict.fromkeys(simulators.apps, transport))
    if shop.public_url is None:
        shop.dispose()
        raise MissingPublicUrl(f"set it in the ini file or in the {PUBLIC_URL_VARIABLE} "
                               f"environment variable")
    shop.gateways  # noqa: B018 - build them now: a gateway named without its keys stops here
    app = make_app(shop.settings, shop=shop)
    return shop, app if simulators is None else SimulatorApp(simulators.apps, app)


def _flag(settings: dict[str, Any], key: str) -> bool:
    return str(settings.get(key, "false")).lower() in ("1", "true", "yes", "on")
