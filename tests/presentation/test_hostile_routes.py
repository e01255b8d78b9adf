"""No route answers hostile input with a 5xx, whoever sends it.

The views come from Pyramid's introspection, so a route added later is walked without anyone
writing a test. A map of the shop (``ShopMap``) is made first, by visiting every route and
following the links and forms its pages show: it tells a real path of each route (a category
that exists, the shopper's own address) and the fields each route takes. Then, as an anonymous
visitor, a shopper and an administrator, each view meant for the visitor (public ones for the
anonymous visitor, account pages for the shopper, the back office for the administrator) gets

- each value of ``hostile.VALUES`` in each placeholder of its path (the others real),
- each of them in every field the shop knows, all at once (the map's and ``QUERY_FIELDS``),
- each field of its own on its own, with ``ALONE`` and with the values the pages showed for it
  broken (a number made huge, a digit made "²"), so that no other field's refusal hides it;

and every other view gets the ``LIGHT`` values the first two ways (a refusal must not fail
either, nor a public page for a signed-in visitor). A POST carries a valid CSRF token, so the
view runs rather than the CSRF check refusing it. Every answer must be below 500 and drawn by
the shop (it carries the security headers).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from shop.application.actors import Permission
from shop.data.models import Sku
from shop.data.repositories.payments import PaymentRepository
from shop.presentation.security import PUBLIC
from tests import factories
from tests.coupons_support import template_data
from tests.ordering_support import shipping_methods
from tests.presentation import hostile

#: Parameters only a query string carries, which views read and no page's link may show (a
#: link to a product's variant shows ``sku``; nothing shows ``before_id`` until there are 50
#: audit entries). Each goes, with every other field, into every route.
QUERY_FIELDS = frozenset({
    "page", "per_page", "sort", "price", "brand", "q", "sku", "done", "ref", "sent", "saved",
    "deleted", "channel", "came_from", "mobile", "before_id", "state", "code", "error",
    # The checkout's choices, read from its query string too (the map's own visits may have
    # deleted the shopper's address before it sees the checkout's radios).
    "address", "shipping_method", "payment_method", "tab", "before",
    # The wallet's history and the payment pages' (links that appear only with data).
    "kind", "card", "payment", "checked", "all", "resolved", "out_trade_no",
})
#: The values each field of a route gets on its own (with no other field set, so that another
#: field's refusal cannot hide this one's failure): one of each kind of trouble a field's own
#: parser may meet (undecodable bytes are the whole request's, refused before any field is read).
ALONE = ("9" * 30, "-1", "%c2%b2", "%d9%a3", "%0d%0aX-Injected:%201", "%00", "x" * 3000,
         "9999-12-31", "0001-01-01", "shopper:" + "9" * 20)
#: What the views not meant for the visitor get.
LIGHT = ("%ff%fe", "9" * 30, "%0d%0aX-Injected:%201", "x" * 3000)
#: Whose views are walked in depth as each visitor, by the permission they need.
MEANT_FOR = {
    "anonymous": lambda permission: permission == PUBLIC,
    "shopper": lambda permission: permission == Permission.ACCOUNT_SELF.value,
    "administrator": lambda permission: permission not in (PUBLIC,
                                                           Permission.ACCOUNT_SELF.value),
}


class ShopMap:
    """What the shop's own pages show of each route: a path that reaches it with real values (a
    category that exists, the shopper's own address), and the fields it takes: those of the
    forms that submit to it, the query parameters of the links and redirects that lead to it.

    Gathered as a visitor would: every route is visited, and the links and forms found are
    followed, a few visits per route.
    """

    VISITS_PER_ROUTE = 3

    def __init__(self, wsgi_app: Any, session: Callable[[], str | None]) -> None:
        self.routes = wsgi_app.registry.getUtility(IRoutesMapper).get_routes()
        self.paths: dict[str, str] = {}
        self.fields: dict[tuple[str, str], dict[str, set[str]]] = {}
        visits: Counter[str] = Counter()
        queue = deque((method, hostile.path_with(pattern))
                      for _, pattern, method, _ in hostile.walked_views(wsgi_app))
        while queue:
            method, url = queue.popleft()
            route = self._route(url)
            if route is None or visits[route.name] >= self.VISITS_PER_ROUTE:
                continue
            visits[route.name] += 1
            page = hostile.send(wsgi_app, method, url, session=session())
            if page.status_int < 400:
                self.paths.setdefault(route.name, urlsplit(url).path)
            if page.location:
                queue.append(("GET", self._add("GET", page.location, [])))
            if page.content_type == "text/html":
                queue.extend(self._read_page(urlsplit(url).path,
                                             BeautifulSoup(page.text, "html.parser")))

    def _read_page(self, path: str, html: BeautifulSoup) -> list[tuple[str, str]]:
        """Records what the page shows; returns the links to follow."""
        for form in html.select("form"):
            shown = [(tag["name"], value) for tag in form.select("[name]")
                     for value in ([o.get("value", "") for o in tag.select("option")][:3]
                                   if tag.name == "select" else [tag.get("value", "")])]
            method = form.get("method", "get").upper()
            action = self._add(method, form.get("action") or path, shown)
            route = self._route(action)
            if method == "POST" and route is not None:
                self.paths.setdefault(route.name, urlsplit(action).path)
        return [("GET", self._add("GET", link["href"], [])) for link in html.select("a[href]")]

    def _add(self, method: str, url: str, shown: list[tuple[str, str]]) -> str:
        """Records the fields (and a few of their values) that ``url`` takes with ``method``."""
        route = self._route(url)
        if route is not None:
            fields = self.fields.setdefault((route.name, method), {})
            for name, value in shown + parse_qsl(urlsplit(url).query):
                samples = fields.setdefault(name, set())
                if len(samples) < 2:
                    samples.add(value)
            fields.pop("csrf_token", None)
        return url

    def _route(self, url: str) -> Any:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        return next((r for r in self.routes if r.match(parts.path) is not None), None)

    def path(self, name: str, pattern: str, **values: str) -> str:
        """A path of the route: a real one, with ``values`` in place of its parts."""
        real = self.paths.get(name)
        known = next((r.match(real) for r in self.routes if r.name == name), None) if real \
            else None
        if not values:
            return real or hostile.path_with(pattern)
        return hostile.path_with(pattern, **{**(known or {}), **values})

    def of(self, name: str, method: str) -> list[tuple[str, list[str]]]:
        """The view's fields, each with the values to try on it alone: ``ALONE``, and the
        values the pages showed, broken (a number made huge, a digit made "²" …)."""
        return [(field, [*ALONE, *(broken for sample in sorted(samples)
                                   for broken in mutations(sample))])
                for field, samples in sorted(self.fields.get((name, method), {}).items())]

    def every(self) -> list[str]:
        return sorted(set().union(QUERY_FIELDS, *self.fields.values()))

    def names(self, name: str) -> set[str]:
        """Every field the route takes, whatever the method."""
        return set().union(*(fields for (route, _), fields in self.fields.items()
                             if route == name))


def mutations(sample: str) -> list[str]:
    """A valid value, broken the ways a parser of its format may not expect."""
    if not re.search(r"[0-9]", sample):
        return [quote(sample + "\x00"), quote(sample) + "%ff"]
    return [quote(re.sub(r"[0-9]+", "9" * 30, sample)), quote(re.sub(r"[0-9]+", "9" * 30, sample,
                                                                   count=1)),
            quote(re.sub(r"[0-9]+", "-1", sample)),
            quote(re.sub(r"[0-9]", "²", sample)), quote(re.sub(r"[0-9]", "٣", sample)),
            quote(sample) + "%ff"]


@pytest.fixture
def settings(settings, fake):
    # The login providers on, so that their views run too.
    return {**settings, **fake.settings("oidc", "wechat")}


@pytest.fixture
def walkers(shop, system, visitors):
    """The visitors, and something on every page: a catalog, the shopper's address, invoice
    title, an order of theirs, and a line in their cart (so that the checkout shows its
    forms)."""
    catalog = factories.small_catalog(system, products=4)
    shipping_methods(system)
    sku = system._session.scalar(select(Sku.code).where(
        Sku.product_id == catalog["products"][0].id).order_by(Sku.position))
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(visitors.shopper_id)
    with shop.transaction(actor=actor) as tx:
        address = tx.addresses.add({
            "recipient": "李雷", "mobile": "13800138000", "province": "440000",
            "city": "440300", "district": "440305", "street": "科技园南区 1 栋",
            "postcode": "518057"})
        tx.invoices.save_title({"title_kind": "company", "title": "福州某某科技有限公司",
                                "tax_code": "91350100M000100Y43"})
        tx.cart.add({"sku": sku, "quantity": "1"})
        tx.checkout.place({"idempotency_key": "walk-" + "k" * 20, "address": str(address.id),
                           "shipping_method": "express", "payment_method": "online"})
        tx.cart.add({"sku": sku, "quantity": "1"})
    # Money in the wallet, so that the payment page shows every means, an alert for finance,
    # a campaign, a template and a coupon template for marketing.
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        tx.wallet.top_up(visitors.shopper_id, {"amount": "5.00", "reason": "walk"})
        tx.payments._points.grant(visitors.shopper_id, 100, "registration_gift", "walk")
        card = tx.gift_cards.issue({"name": "walk", "value": "5.00", "quantity": "1",
                                    "expires_on": "2099-12-31"}).cards[0]
        PaymentRepository(tx._session).add_alert(gateway="wechat", kind="bad_signature",
                                                 out_trade_no="", detail="walk", payload="")
        # A campaign and a template, so that their buttons and links lead somewhere.
        tx.promotions.create({"code": "walk", "name_zh": "巡", "name_en": "Walk",
                              "kind": "spend_save", "starts_at": tx.clock.now().isoformat(),
                              "ends_at": "2099-12-31T00:00:00", "rule": {"tiers": "200:20"}})
        tx.promotions.save_template({"name": "walk", "kind": "percent_off",
                                     "preset": {"rule": {"percent": "10"}}})
        # A coupon template, so that the simulator's coupon select offers a real one.
        tx.coupons.create_template(template_data())
    with shop.transaction(actor=actor) as tx:
        tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})
    # Coupon templates, so that a template's page and its forms are reached: two, because the
    # map's first visit to each route, with made-up ids, may deactivate the one numbered 1.
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        for name in ("walk", "walk-2"):
            tx.coupons.create_template({"name_zh": name, "name_en": name, "kind": "amount",
                                        "amount": "5", "scope": {"everything": True},
                                        "valid_days": 30})
    return visitors


def test_the_walk_covers_the_shop(wsgi_app):
    views = hostile.walked_views(wsgi_app)
    names = {name for name, _, _, _ in views}
    assert {"category", "search", "product", "login", "admin_audit", "admin_staff_edit",
            "address_edit", "region_children", "set_locale", "oauth_start",
            "invoice_title_delete", "checkout", "checkout_address", "orders", "order",
            "order_cancel", "order_delivery", "order_receipt", "order_pay", "order_pay_qr",
            "order_pay_status", "payment_notify", "payment_return", "wallet",
            "wallet_gift_card", "wallet_history", "admin_gift_cards", "admin_payment_alerts",
            "admin_top_up", "admin_promotions", "admin_promotions_new",
            "admin_promotions_templates", "admin_promotions_state",
            "admin_promotions_simulator", "coupon_center", "my_coupons", "campaign"} <= names
    assert any(name.startswith("__") for name in names)  # static assets
    assert all(permission is not None for _, _, _, permission in views)
    assert {"admin_coupons", "admin_coupons_new", "admin_coupons_template",
            "admin_coupons_issue", "admin_coupons_grant", "admin_coupons_deactivate"} <= names


@pytest.mark.parametrize("kind", hostile.Visitors.KINDS)
def test_no_route_answers_hostile_input_with_a_5xx(wsgi_app, walkers, kind):
    shop_map = ShopMap(wsgi_app, lambda: walkers.session(kind))
    problems = []
    for name, pattern, method, permission in hostile.walked_views(wsgi_app):
        deep = MEANT_FOR[kind](permission)
        values = hostile.VALUES if deep else LIGHT
        path = shop_map.path(name, pattern)
        sent = [(path, [(field, value) for field in shop_map.every()], value)
                for value in values]
        sent += [(shop_map.path(name, pattern, **{part: value}), [], value)
                 for part in hostile.path_names(pattern) for value in values]
        if deep:
            sent += [(path, [(field, value)], value)
                     for field, tried in shop_map.of(name, method) for value in tried]
        session = walkers.session(kind)  # a logout ended the one before
        for url, fields, value in sent:
            problem = hostile.failure(wsgi_app, method, url, fields, session=session)
            if problem is not None:
                problems.append((name, method, url[:60], fields[:1], value[:20], problem))
    assert problems == []


def test_the_map_finds_real_paths_and_fields(wsgi_app, walkers):
    shop_map = ShopMap(wsgi_app, lambda: walkers.session("administrator"))
    assert {"actor", "since", "until"} <= shop_map.names("admin_audit")
    assert {"username", "password", "came_from"} <= shop_map.names("admin_login")
    assert {"shop_name_zh", "time_zone"} <= set(dict(shop_map.of("admin_settings", "POST")))
    assert {"brand", "price", "sort", "color"} <= set(dict(shop_map.of("category", "GET")))
    assert "sku" in shop_map.names("product")
    price = dict(shop_map.of("category", "GET"))["price"]
    assert any(value.startswith("9" * 30) for value in price)
    assert re.fullmatch(r"/admin/coupons/[0-9]+/issue", shop_map.paths["admin_coupons_issue"])
    assert {"quantity", "request_key"} <= shop_map.names("admin_coupons_issue")
    assert {"scope.category_ids", "stacking.group"} <= shop_map.names("admin_coupons_new")
    assert shop_map.paths["category"].startswith("/c/")
    assert re.fullmatch(r"/admin/staff/[0-9]+", shop_map.paths["admin_staff_edit"])
    assert re.fullmatch(r"/admin/promotions/[0-9]+/state", shop_map.paths["admin_promotions_state"])
    assert {"rule.tiers", "scope.skus", "template"} <= shop_map.names("admin_promotions_new")
    assert {"lines", "member_groups", "at", "shipping_fee",
            "coupon_template"} <= shop_map.names("admin_promotions_simulator")


def test_the_shoppers_map_reaches_their_order_and_the_checkout_form(wsgi_app, walkers):
    shop_map = ShopMap(wsgi_app, lambda: walkers.session("shopper"))
    assert re.fullmatch(r"/orders/[0-9]{20}", shop_map.paths["order"])
    assert re.fullmatch(r"/orders/[0-9]{20}/cancel", shop_map.paths["order_cancel"])
    assert re.fullmatch(r"/orders/[0-9]{20}/pay", shop_map.paths["order_pay"])
    assert {"gift_card_code", "gift_card_pin"} <= shop_map.names("order_pay")
    assert {"code", "pin"} <= shop_map.names("wallet_gift_card")
    assert {"gift_card", "points", "balance"} <= shop_map.names("order_pay")
    assert {"remarks", "idempotency_key", "expected_payable", "kind",
            "tax_code"} <= shop_map.names("checkout")
    assert {"recipient", "province"} <= shop_map.names("checkout_address")
