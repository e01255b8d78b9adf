"""The role form's "select all" box per permission group, which only a script can work."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import staff_factories


def test_select_all_ticks_a_group_and_follows_its_boxes(page, live_shop):
    shop = live_shop["shop"]
    with shop.transaction(actor=shop.system_actor("browser-tests")) as tx:
        staff_factories.staff(tx, ["administrator"], username="browser_roles")
    page.goto(live_shop["url"] + "/admin/login?came_from=/admin/roles/new")
    page.fill("#login-form [name=username]", "browser_roles")
    page.fill("#login-form [name=password]", staff_factories.PASSWORD)
    page.click("#login-form button[type=submit]")

    group = page.locator('.permission-group[data-group="catalog"]')
    select_all = group.locator("[data-select-all]")
    boxes = group.locator('input[name="permissions"]')
    expect(select_all).to_be_visible()
    select_all.check()
    for index in range(boxes.count()):
        expect(boxes.nth(index)).to_be_checked()
    boxes.first.uncheck()
    expect(select_all).not_to_be_checked()
    assert select_all.evaluate("box => box.indeterminate") is True
    # Other groups are left alone.
    expect(page.locator('.permission-group[data-group="finance"] input[name="permissions"]')
           .first).not_to_be_checked()
