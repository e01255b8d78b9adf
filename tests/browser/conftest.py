"""A live shop on 127.0.0.1 (waitress in a thread, its own SQLite file) and headless Chromium.

Browser tests need Debian's Chromium (``/usr/bin/chromium``, or ``SHOP_CHROMIUM``); Playwright
drives it as it is and never downloads a browser of its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from waitress.server import create_server

from shop.application import Shop
from shop.presentation import served

CHROMIUM = os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
#: Enough for full category pages and facets; loads in about a second.
DEMO_PRODUCTS = 400
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        for item in items:
            if item.path.is_relative_to(Path(__file__).parent):
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


@pytest.fixture(scope="session")
def live_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The demo shop (so the README's screenshots show a believable one), served as ``make
    run`` serves it, gateway simulators included; yields the base URL and the shop."""
    directory = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{directory / 'shop.sqlite'}"
    media = str(directory / "media")  # uploads (product images, after-sales photos)
    loader = Shop.from_settings({"sqlalchemy.url": url, "shop.default_locale": "zh_CN",
                                 "shop.media.directory": media})
    loader.upgrade_database()
    with loader.transaction(actor=loader.system_actor("browser-tests"), locale="en") as tx:
        tx.demo.load(DEMO_PRODUCTS)
    loader.dispose()
    # The simulators need the shop's address before it is served: bind the port first.
    app: list[Any] = []
    server = create_server(lambda environ, start: app[0](environ, start), host="127.0.0.1",
                           port=0, threads=8)
    base = f"http://127.0.0.1:{server.effective_port}"
    shop, served_app = served({
        "sqlalchemy.url": url, "shop.default_locale": "zh_CN", "shop.public_url": base,
        "shop.media.directory": media,
        "shop.payments.gateways": "alipay wechat unionpay",
        "shop.payments.simulators": str(directory / "simulators")})
    app.append(served_app)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield {"url": base, "shop": shop}
    finally:
        server.close()
        shop.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: object, name: str) -> None:
    """Saved where the README shows it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
