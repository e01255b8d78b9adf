"""The points and referral page."""

from __future__ import annotations

from sqlalchemy import text

from tests.shoppers import log_in, new_customer


def test_the_page_shows_balance_journal_and_referral_link(app, shop):
    customer_id = new_customer(shop)
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        tx.rewards.on_registered(customer_id)
        tx.rewards.on_first_order_paid(new_customer(shop, referred_by_id=customer_id))
        code = tx._session.execute(text("SELECT referral_code FROM customer WHERE id = :c"),
                                  {"c": customer_id}).scalar()
    log_in(shop, app, customer_id)
    page = app.get("/account/rewards", headers={"Accept-Language": "en"})
    assert page.html.select_one("#points-balance").text == "300"
    reasons = [row["data-reason"] for row in page.html.select(".points-line")]
    assert reasons == ["referral", "registration_gift"]
    assert page.html.select_one("#referral-link")["value"] == (
        f"https://shop.example/account/register?ref={code}")  # shop.public_url, not Host


def test_a_new_account_has_no_points_yet(app, shop):
    log_in(shop, app, new_customer(shop))
    page = app.get("/account/rewards", headers={"Accept-Language": "en"})
    assert page.html.select_one("#points-balance").text == "0"
    assert page.html.select_one("#no-points") is not None


def test_anonymous_visitors_are_sent_away(app):
    page = app.get("/account/rewards", expect_errors=True)
    assert page.status_int in (302, 303, 403)
