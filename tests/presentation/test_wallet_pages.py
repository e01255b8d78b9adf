"""My wallet (我的钱包): the balance, points and gift cards as the shopper sees them, their
history page by page, adding a gift card by code and PIN (with its guesses limited), and a page
whose cost does not grow with the history or the cards."""

from __future__ import annotations

from datetime import timedelta

from tests.payments_support import gift_card, grant_points, pay, top_up
from tests.presentation.conftest import another_browser
from tests.presentation.ordering_pages import add, place_to_pay, ready, signed_in
from tests.shoppers import log_in


def test_the_wallet_shows_balance_points_and_cards(shop, system, web):
    who, shirt = ready(shop, system, web)
    top_up(shop, who, "120.00")
    grant_points(shop, who, 1500)
    card = gift_card(shop, "50.00")
    with shop.transaction(who.actor) as tx:
        tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})
    add(web, shirt)
    number = place_to_pay(web).request.path.split("/")[2]
    pay(shop, who, number, balance="20.00")  # held: 87.00 still due
    page = web.get("/account/wallet")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.html.select_one("#wallet-balance").text == "¥100.00"
    assert page.html.select_one("#wallet-points").text == "1500"
    assert "¥15.00" in page.html.select_one("#wallet-points-worth").text
    [row] = page.html.select(".gift-card")
    assert row.select_one(".card-code").text.endswith(card.code[-4:])
    assert card.code not in page.text
    assert row.select_one(".card-balance").text == "¥50.00"
    assert row.select_one(".card-expired") is None
    balance = page.html.select("#balance-history .wallet-line")
    assert [(line["data-kind"], line.select_one(".line-amount").text) for line in balance] == [
        ("hold", "−¥20.00"), ("top_up", "+¥120.00")]
    assert balance[0].select_one(".line-order")["href"] == f"/orders/{number}"
    assert page.html.select_one("#points-history .line-amount").text == "+1500"
    assert page.html.select_one("#older-balance") is None
    assert web.get("/account").html.select_one('#account-nav a[href="/account/wallet"]')


def test_an_expired_card_is_marked(shop, system, web, clock):
    who = signed_in(shop, web)
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    card = gift_card(shop, "10.00", expires_on=tomorrow)
    with shop.transaction(who.actor) as tx:
        tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})
    assert web.get("/account/wallet").html.select_one(".card-expired") is None
    clock.advance(timedelta(days=3))
    log_in(shop, web, who.actor.id)
    row = web.get("/account/wallet").html.select_one(".gift-card")
    assert row.select_one(".card-expired") is not None


def test_history_comes_page_by_page(shop, system, web):
    who = signed_in(shop, web)
    for n in range(1, 26):  # 25 top-ups; 20 lines a page
        top_up(shop, who, f"{n}.00")
    page = web.get("/account/wallet")
    assert len(page.html.select("#balance-history .wallet-line")) == 20
    older = page.click(linkid="older-balance")
    amounts = [line.select_one(".line-amount").text
               for line in older.html.select(".wallet-line")]
    assert amounts == ["+¥5.00", "+¥4.00", "+¥3.00", "+¥2.00", "+¥1.00"]
    assert older.html.select_one("#older-lines") is None
    assert older.html.select_one("#newest-lines")["href"] == "/account/wallet/history?kind=balance"
    first = web.get("/account/wallet/history?kind=balance")
    assert len(first.html.select(".wallet-line")) == 20
    assert first.click(linkid="older-lines").html.select(".wallet-line")[0]["data-id"] \
        == older.html.select(".wallet-line")[0]["data-id"]
    for bad in ("kind=nope", "kind=balance&before=x", "kind=balance&before=" + "9" * 30,
                "kind=gift_card", "kind=gift_card&card=99999", "kind=points&card=-1"):
        web.get("/account/wallet/history?" + bad, status=404)


def test_a_cards_history_is_the_shoppers_only(shop, system, web):
    who = signed_in(shop, web)
    card = gift_card(shop, "30.00")
    with shop.transaction(who.actor) as tx:
        card_id = tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin}).id
    page = web.get("/account/wallet").click(linkid=None, href="kind=gift_card")
    [line] = page.html.select(".wallet-line")
    assert (line["data-kind"], line.select_one(".line-amount").text) == ("gift_card_issue",
                                                                         "+¥30.00")
    stranger = another_browser(web)
    signed_in(shop, stranger)
    stranger.get(f"/account/wallet/history?kind=gift_card&card={card_id}", status=404)


def test_a_gift_card_is_added_by_code_and_pin(shop, system, web):
    signed_in(shop, web)
    card = gift_card(shop, "80.00")
    form = web.get("/account/wallet").forms["gift-card-form"]
    form["code"] = card.code.lower()
    form["pin"] = card.pin
    done = form.submit(status=303).follow()
    assert done.html.select_one("#wallet-notice") is not None
    assert done.html.select_one(".gift-card .card-balance").text == "¥80.00"
    # Another shopper cannot take it.
    stranger = another_browser(web)
    signed_in(shop, stranger)
    form = stranger.get("/account/wallet").forms["gift-card-form"]
    form["code"], form["pin"] = card.code, card.pin
    refused = form.submit(status=400)
    assert refused.html.select_one("#code-error") is not None
    assert refused.forms["gift-card-form"]["pin"].value == ""
    assert refused.html.select(".gift-card") == []


def test_guessing_codes_is_throttled(shop, system, web):
    signed_in(shop, web)
    form = web.get("/account/wallet").forms["gift-card-form"]
    for n in range(20):
        form["code"], form["pin"] = f"WRONGCODE{n:07d}", "123456"
        form = form.submit(status=400).forms["gift-card-form"]
    form["code"], form["pin"] = "WRONGCODE9999999", "123456"
    throttled = form.submit(status=429)
    assert throttled.headers["Retry-After"].isdigit()
    assert throttled.html.select_one("#gift-card-throttled") is not None


def test_the_wallet_costs_the_same_queries_whatever_its_history_and_cards(shop, system, web,
                                                                          queries):
    who = signed_in(shop, web)
    top_up(shop, who, "1.00")
    grant_points(shop, who, 1)  # the accounts exist (reading the wallet opens missing ones)
    web.get("/account/wallet")
    queries.reset()
    web.get("/account/wallet")
    few = queries.count
    for n in range(30):
        top_up(shop, who, f"{n + 2}.00")
        grant_points(shop, who, 100, f"more-{n}")
    for _ in range(3):
        card = gift_card(shop, "5.00")
        with shop.transaction(who.actor) as tx:
            tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})
    queries.reset()
    page = web.get("/account/wallet")
    assert len(page.html.select(".gift-card")) == 3
    assert queries.count == few, queries.statements


def test_a_guest_is_sent_to_log_in(web):
    assert "/login" in web.get("/account/wallet", status=303).location
    assert "/login" in web.get("/account/wallet/history?kind=balance", status=303).location
