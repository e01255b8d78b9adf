"""The embedded SQLite default under a burst of checkouts: the real app served by waitress on 16
threads, 16 shoppers' browsers at once over HTTP, 80 checkouts for 50 units. Every answer is
an order or a clear "sold out"; none is a server error ("database is locked" is a bug)."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

from waitress.server import create_server

from shop.application import Shop
from shop.application.sessions.service import LoginSessions
from shop.presentation import make_app
from tests.ordering_support import Buyer, buyers_with_carts, prepare_shop, sku_codes

CLIENTS = 16
BUYERS = 80
UNITS = 50


def _checkout(base: str, shop: Shop, buyer: Buyer) -> int:
    """One shopper's browser: open the checkout page, submit it; the answer's status."""
    with shop.transaction() as tx:
        token = LoginSessions(tx).begin("customer", buyer.actor.id).token
    cookies = {"shop_session": token}
    browser = urllib.request.build_opener(_NoRedirect())
    # The URLs are the http server this test started.
    request = urllib.request.Request(f"{base}/checkout", headers=_headers(cookies))  # noqa: S310
    page = browser.open(request)
    for set_cookie in page.headers.get_all("Set-Cookie") or []:
        name, _, value = set_cookie.split(";", 1)[0].partition("=")
        cookies[name] = value
    form = dict(re.findall(r'name="(csrf_token|idempotency_key)" value="([^"]+)"',
                           page.read().decode()))
    body = urllib.parse.urlencode({**form, "address": buyer.address_id,
                                   "shipping_method": "express",
                                   "payment_method": "online"}).encode()
    submit = urllib.request.Request(f"{base}/checkout", body,  # noqa: S310
                                    headers=_headers(cookies))
    try:
        return int(browser.open(submit).status)
    except urllib.error.HTTPError as answer:
        return answer.code


def _headers(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Accept-Language": "en"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the 303 to the order is the answer counted
        return None


def test_sixteen_browsers_at_once_get_orders_or_sold_out_never_an_error(tmp_path):
    settings = {"sqlalchemy.url": f"sqlite:///{tmp_path / 'shop.sqlite'}",
                "shop.default_locale": "en", "shop.secure_cookies": "false",
                "shop.public_url": "http://127.0.0.1", "sqlalchemy.pool_size": str(CLIENTS)}
    shop = Shop.from_settings(settings)
    shop.upgrade_database()
    with shop.transaction(actor=shop.system_actor("tests"), locale="en") as tx:
        prepare_shop(tx)
        [sku] = sku_codes(tx, stock=UNITS)
    buyers = buyers_with_carts(shop, BUYERS, {sku: 1})
    server = create_server(make_app(settings, shop=shop), host="127.0.0.1", port=0,
                           threads=CLIENTS)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    answers: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(n: int) -> None:
        start.wait()
        for buyer in buyers[n::CLIENTS]:
            status = _checkout(base, shop, buyer)
            with lock:
                answers[status] += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    finally:
        server.close()
    with shop.transaction(writes=False) as tx:
        sku_id = tx._stock.repo.sku_ids_by_code([sku])[sku]
        available = tx.inventory.available([sku_id])[sku_id]
    shop.dispose()
    assert answers == Counter({303: UNITS, 409: BUYERS - UNITS})
    assert available == 0
