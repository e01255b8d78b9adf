"""The shopper's member level on their account page."""

from __future__ import annotations

from tests.application.test_member_levels import spent
from tests.ordering_support import buyer
from tests.shoppers import log_in


def test_the_account_page_shows_the_level_and_what_the_next_asks(shop, clock, web):
    who = buyer(shop)
    spent(shop, clock, who, "1200.00")
    log_in(shop, web, who.actor.id)
    page = web.get("/account")
    level = page.html.select_one("#member-level")
    assert level["data-level"] == "silver" and level.text.strip().startswith("Silver member")
    assert page.html.select_one("#member-spend").text == \
        "Spent in the last 12 months: ¥1,200.00 · ¥3,800.00 more to become Gold member"
