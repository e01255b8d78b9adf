"""A staff member's first visit: log in, see the dashboard, change a setting, find it audited."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import staff_factories
from tests.browser.conftest import screenshot


def test_admin_logs_in_changes_settings_and_finds_the_audit_entry(page, live_shop):
    shop = live_shop["shop"]
    with shop.transaction(actor=shop.system_actor("browser-tests")) as tx:
        staff_factories.staff(tx, ["administrator"], username="browser_admin",
                              name="Wang Fang")
    page.goto(live_shop["url"] + "/admin")
    expect(page).to_have_url(re.compile(r"/admin/login"))
    page.fill("#login-form [name=username]", "browser_admin")
    page.fill("#login-form [name=password]", staff_factories.PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.locator("body")).to_contain_text("Wang Fang")
    # The README's dashboard is taken after a day's sale (test_back_office_journeys.py).

    page.goto(live_shop["url"] + "/admin/settings")
    page.fill("[name=shop_name_zh]", "青木商城")
    page.locator("form button[type=submit]").last.click()
    page.goto(live_shop["url"] + "/admin/audit")
    expect(page.locator("body")).to_contain_text("browser_admin")
    expect(page.locator("body")).to_contain_text("青木商城")
    screenshot(page, "admin-audit")

    page.goto(live_shop["url"] + "/")
    expect(page.locator("#logo")).to_have_text("青木商城")
