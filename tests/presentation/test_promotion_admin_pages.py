"""The back office's campaign pages (促销活动): the list with its state buttons, the one form for
every kind (its times in the shop's time zone, each refusal at its input), templates that fill
the form in; closed to staff without marketing's permissions; a bounded list page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from shop.application.promotions.campaign_schemas import MODES, CampaignSchema
from shop.data.models import Promotion
from shop.presentation.admin.promotions import MODE_LABELS, RULE_INPUTS
from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
PAGES = ("/admin/promotions", "/admin/promotions/new", "/admin/promotions/templates")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def signed_in(app, system, roles):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def local(moment: datetime) -> str:
    """``moment`` as a datetime-local input holds it, on the shop's clock face."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def started(system, clock, code="spring", **fields):
    """A campaign started through the application tier; its id."""
    return system.promotions.create({
        "code": code, "name_zh": "春季满减", "name_en": "Spring sale", "kind": "spend_save",
        "starts_at": clock.now().isoformat(),
        "ends_at": (clock.now() + timedelta(days=7)).isoformat(),
        "rule": {"tiers": "200:20"}, **fields})


def campaigns(shop):
    with shop.transaction() as tx:
        return tx._session.scalar(select(func.count()).select_from(Promotion))


@pytest.fixture
def catalog(system):
    return factories.small_catalog(system, products=2)


def fill(form, clock, **fields):
    """A good spend-and-save campaign, ``fields`` over it."""
    values = {"code": "spring", "name_zh": "春季满减", "name_en": "Spring sale",
              "starts_at": local(clock.now()), "ends_at": local(clock.now() + timedelta(days=7)),
              "rule.tiers": "200:20, 500:60", **fields}
    for name, value in values.items():
        form[name] = value
    return form


def test_every_rule_field_and_stacking_mode_has_a_label():
    # A rule field the schema gains but the form lacks could never be given from the page.
    assert set(RULE_INPUTS) == {node.name for node in CampaignSchema()["rule"].children}
    assert set(MODE_LABELS) == set(MODES)


def test_marketing_opens_the_pages_and_sees_the_area(app, system):
    signed_in(app, system, ["marketing"])
    for path in PAGES:
        page = app.get(path, headers=EN)
        assert page.headers["Cache-Control"] == "no-store"
    nav = app.get("/admin", headers=EN).html.select_one("#admin-nav")
    assert nav.select_one('a[data-area="admin_promotions"]').text == "Promotions"


def test_staff_without_the_permission_are_refused_and_anonymous_sent_to_login(app, system,
                                                                              clock, catalog):
    promotion_id = started(system, clock)
    token = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    posts = {"/admin/promotions/new": {"code": "x"}, "/admin/promotions/templates": {"name": "x"},
             f"/admin/promotions/{promotion_id}/state": {"state": "paused"}}
    for path in PAGES:
        assert "/admin/login" in app.get(path, status=303).location
    for path, fields in posts.items():
        assert "/admin/login" in app.post(path, {"csrf_token": token, **fields},
                                          status=303).location
    signed_in(app, system, ["merchandiser"])
    for path in PAGES:
        assert app.get(path, headers=EN, status=403).html.select_one("#admin-forbidden")
    for path, fields in posts.items():
        app.post(path, {"csrf_token": token, **fields}, headers=EN, status=403)
    areas = {a["data-area"] for a in app.get("/admin", headers=EN).html.select("#admin-nav a")}
    assert "admin_promotions" not in areas
    assert system.promotions.get(promotion_id).state == "active"


def test_viewing_without_managing_shows_no_buttons(app, system, clock, catalog):
    started(system, clock)
    system.roles.create_role({"code": "watcher", "name_zh": "看", "name_en": "Watcher",
                              "permissions": ["admin:dashboard:view", "marketing:promotion:view"]})
    signed_in(app, system, ["watcher"])
    page = app.get("/admin/promotions", headers=EN)
    assert len(page.html.select(".campaign")) == 1
    assert page.html.select(".campaign-state-form") == [] and "new-campaign" not in page.text
    assert "template-form" not in app.get("/admin/promotions/templates", headers=EN).forms
    app.get("/admin/promotions/new", headers=EN, status=403)


def test_a_good_campaign_is_started_in_the_shops_time_zone_and_listed(app, system, shop,
                                                                      clock, catalog):
    signed_in(app, system, ["marketing"])
    form = fill(app.get("/admin/promotions/new", headers=EN).forms["campaign-form"], clock,
                **{"scope.categories": "shirts", "stacking.mode": "group_exclusive",
                   "stacking.group": "order", "total_limit": "1000"})
    form.get("channels", index=0).checked = True  # web
    form.get("channels", index=2).checked = True  # app
    starts_at, ends_at = form["starts_at"].value, form["ends_at"].value
    done = form.submit(headers=EN, status=303)
    assert done.location.endswith("/admin/promotions?saved=1")
    listing = done.follow(headers=EN)
    assert listing.html.select_one("#saved") is not None
    [row] = listing.html.select(".campaign")
    assert row.select_one(".campaign-code").text == "spring"
    assert row.select_one(".campaign-name").text == "Spring sale"
    assert row.select_one(".campaign-kind").text == "Spend and save (满减)"
    assert row.select_one(".campaign-uses").text == "0 / 1000"
    window = row.select_one(".campaign-window").text
    assert window == f"{starts_at.replace('T', ' ')} – {ends_at.replace('T', ' ')}"
    summary = system.promotions.get(int(row["data-id"]))
    assert local(summary.starts_at) == starts_at and summary.state == "active"
    with shop.transaction() as tx:
        stored = tx._session.get(Promotion, summary.id)
        assert stored.channels == "web app" and '"group_exclusive"' in stored.stacking
        assert stored.created_by == row.find_parent("body").select_one("#admin-who")["title"]


@pytest.mark.parametrize(("fields", "named"), [
    ({"rule.tiers": "nonsense"}, "rule.tiers"),
    ({"scope.skus": "NO-SUCH-SKU"}, "scope.skus"),
    ({"kind": "percent_off", "rule.tiers": ""}, "rule.percent"),
    ({"code": "x" * 3000}, "code"),
    ({"name_zh": "长" * 3000}, "name_zh"),
    ({"rule.items": "A:1\n" * 4000, "kind": "special_price"}, "rule.items"),
    ({"ends_at": "2000-01-01T00:00"}, "ends_at"),
    ({"starts_at": "yesterday"}, "starts_at"),
])
def test_a_bad_campaign_is_named_at_its_field_and_nothing_is_written(app, system, shop, clock,
                                                                     catalog, fields, named):
    signed_in(app, system, ["marketing"])
    form = fill(app.get("/admin/promotions/new", headers=EN).forms["campaign-form"], clock,
                **fields)
    refused = form.submit(headers=EN, status=400)
    message = refused.html.select_one(f'.invalid-feedback[data-field="{named}"]')
    assert message is not None and message.text.strip()
    again = refused.forms["campaign-form"]
    assert again["code"].value == fields.get("code", "spring")[:300]
    assert again["kind"].value == fields.get("kind", "spend_save")
    assert campaigns(shop) == 0


def test_pausing_resuming_and_ending_are_posts_with_a_token(app, system, clock, catalog):
    promotion_id = started(system, clock)
    signed_in(app, system, ["marketing"])
    url = f"/admin/promotions/{promotion_id}/state"
    app.get(url, headers=EN, status=404)
    app.post(url, {"state": "paused"}, headers=EN, status=400)  # no CSRF token
    assert system.promotions.get(promotion_id).state == "active"

    def press(button):
        form = next(f for f in app.get("/admin/promotions", headers=EN).forms.values()
                    if f.action == url)
        return form.submit("state", value=button, headers=EN, status=303).follow(headers=EN)

    assert press("paused").html.select_one(".campaign")["data-state"] == "paused"
    assert system.promotions.get(promotion_id).state == "paused"
    assert press("active").html.select_one(".campaign")["data-state"] == "active"
    ended = press("ended")
    assert ended.html.select_one(".campaign")["data-state"] == "ended"
    assert ended.html.select(".campaign-state-form") == []
    token = ended.forms["logout-form"]["csrf_token"].value
    app.post(url, {"csrf_token": token, "state": "active"}, headers=EN, status=409)
    app.post(url, {"csrf_token": token, "state": "bogus"}, headers=EN, status=400)
    assert system.promotions.get(promotion_id).state == "ended"


def test_a_template_is_saved_and_fills_in_a_new_campaign(app, system, shop, clock, catalog):
    signed_in(app, system, ["marketing"])
    form = app.get("/admin/promotions/templates", headers=EN).forms["template-form"]
    form["name"] = "店庆满减"
    form["name_zh"] = "店庆"
    form["name_en"] = "Anniversary"
    form["rule.tiers"] = "nonsense"
    form.get("channels", index=2).checked = True  # app
    form["stacking.mode"] = "exclusive"
    form["scope.categories"] = "shirts"
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one('.invalid-feedback[data-field="rule.tiers"]') is not None
    form = refused.forms["template-form"]
    assert form.get("channels", index=2).checked and form["stacking.mode"].value == "exclusive"
    form["rule.tiers"] = "300:30"
    listing = form.submit(headers=EN, status=303).follow(headers=EN)
    [row] = listing.html.select(".campaign-template")
    assert row.select_one(".template-name").text == "店庆满减"
    template_id = int(row["data-id"])
    new = app.get(row.select_one(".start-from-template")["href"], headers=EN)
    form = new.forms["campaign-form"]
    assert form["template"].value == str(template_id)
    assert (form["name_zh"].value, form["rule.tiers"].value) == ("店庆", "300:30")
    assert form["scope.categories"].value == "shirts" and form["kind"].value == "spend_save"
    assert [form.get("channels", index=i).checked for i in range(4)] == [
        False, False, True, False]
    form["code"] = "anniversary"
    form["starts_at"] = local(clock.now())
    form["ends_at"] = local(clock.now() + timedelta(days=1))
    form.submit(headers=EN, status=303)
    with shop.transaction() as tx:
        stored = tx._session.scalar(select(Promotion).where(Promotion.code == "anniversary"))
        assert stored.template_id == template_id and stored.channels == "app"
        assert '"300"' in stored.rule and '"exclusive"' in stored.stacking


def test_the_list_costs_the_same_statements_for_one_campaign_or_a_full_page(app, system, clock,
                                                                           catalog, queries):
    signed_in(app, system, ["marketing"])
    started(system, clock, code="first")
    app.get("/admin/promotions", headers=EN)  # the first page reads the reference data
    queries.reset()
    app.get("/admin/promotions", headers=EN)
    one = queries.count
    for number in range(59):
        started(system, clock, code=f"c{number}")
    queries.reset()
    page = app.get("/admin/promotions", headers=EN)
    assert len(page.html.select(".campaign")) == 50
    assert queries.count == one, queries.statements
    # The session, the staff member, their roles; the reference data's tokens (the shop's
    # time zone is in the base settings); one page of campaigns.
    assert queries.count <= 5, queries.statements
    older = page.html.select_one("#older-campaigns")["href"]
    assert len(app.get(older, headers=EN).html.select(".campaign")) == 10


@pytest.mark.parametrize("url", [
    "/admin/promotions?before=abc", "/admin/promotions?before=-1",
    "/admin/promotions?before=" + "9" * 30, "/admin/promotions/new?template=-1",
    "/admin/promotions/new?template=abc", "/admin/promotions/new?template=999999",
    "/admin/promotions/new?template=%d9%a3",
])
def test_hostile_query_strings_are_not_found(app, system, url):
    signed_in(app, system, ["marketing"])
    app.get(url, headers=EN, status=404)


def test_hostile_posts_are_refused_with_a_4xx(app, system, shop, clock, catalog):
    signed_in(app, system, ["marketing"])
    page = app.get("/admin/promotions/new", headers=EN)
    token = page.forms["campaign-form"]["csrf_token"].value
    for path in (f"/admin/promotions/{'9' * 30}/state", "/admin/promotions/0/state",
                 "/admin/promotions/123456/state"):
        app.post(path, {"csrf_token": token, "state": "paused"}, headers=EN, status=404)
    for template in ("abc", "-1", "999999", "9" * 30):
        refused = fill(page.forms["campaign-form"], clock)
        refused = app.post("/admin/promotions/new", {
            **dict(refused.submit_fields()), "template": template}, headers=EN, status=400)
        assert refused.html.select_one('[data-field="template"]') is not None
    app.post("/admin/promotions/templates", {"csrf_token": token, "name": "x" * 3000,
                                             "kind": "nope", "rule.items": "x" * 30000},
             headers=EN, status=400)


@pytest.mark.parametrize("fields", [
    {"starts_at": "9999-12-31T23:59"},
    {"kind": "percent_off", "rule.percent": "1e999"},
    {"starts_at": "0001-01-01T00:00"},
    {"kind": "percent_off", "rule.percent": "NaN"},
])
def test_numbers_and_times_at_the_edges_are_no_5xx(app, system, clock, catalog, fields):
    signed_in(app, system, ["marketing"])
    form = fill(app.get("/admin/promotions/new", headers=EN).forms["campaign-form"], clock,
                **fields)
    assert form.submit(headers=EN, expect_errors=True).status_int < 500
    form = app.get("/admin/promotions/templates", headers=EN).forms["template-form"]
    form["name"] = "edges"
    for name, value in fields.items():
        if name in form.fields:
            form[name] = value
    assert form.submit(headers=EN, expect_errors=True).status_int < 500
