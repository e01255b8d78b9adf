"""The back office's promotion simulator (活动模拟): a GET form whose answer shows what applied,
what did not and why, and how near the next offer is; bad input named at its field with a 400;
closed to staff without marketing's permission; hostile query strings a 4xx; a bounded page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest

from tests.coupons_support import template_data
from tests.ordering_support import prepare_shop, sku_codes
from tests.presentation.test_promotion_admin_pages import EN, local, signed_in

URL = "/admin/promotions/simulator"


@pytest.fixture
def stocked(system):
    """Two SKUs at ¥100 and one at ¥150."""
    prepare_shop(system)
    return {"a": sku_codes(system, price="100.00")[0], "a2": sku_codes(system, price="100.00")[0],
            "b": sku_codes(system, price="150.00")[0]}


def start(system, clock, code, kind, rule, **fields):
    return system.promotions.create({
        "code": code, "name_zh": code, "name_en": code, "kind": kind, "rule": rule,
        "starts_at": (clock.now() - timedelta(hours=1)).isoformat(),
        "ends_at": (clock.now() + timedelta(days=3)).isoformat(), **fields})


def simulate(app, status=200, **fields):
    return app.get(f"{URL}?{urlencode(fields, doseq=True)}", headers=EN, status=status)


def test_the_campaigns_list_links_to_an_empty_form_with_the_services_defaults(app, system):
    signed_in(app, system, ["marketing"])
    listing = app.get("/admin/promotions", headers=EN)
    page = app.get(listing.html.select_one("#promotion-simulator")["href"], headers=EN)
    form = page.forms["simulator-form"]
    assert form.method.upper() == "GET" and "csrf_token" not in form.fields
    assert form["channel"].value == "web" and form["coupon_template"].value == ""
    assert [form.get("member_groups", index=i).checked for i in range(3)] == [False, True, False]
    assert page.html.select_one("#simulation") is None
    # A page of the campaigns area, which the side navigation marks.
    assert page.html.select_one('#admin-nav a.active')["data-area"] == "admin_promotions"


def test_an_applied_campaign_one_that_did_not_and_the_next_tier(app, system, clock, stocked):
    start(system, clock, "tiers", "spend_save", {"tiers": "200:20, 500:60"})
    start(system, clock, "newcomers", "percent_off", {"percent": "5"}, member_groups="new")
    start(system, clock, "in-the-app", "percent_off", {"percent": "10"}, channels="app")
    coupon = system.coupons.create_template(template_data(stacking={"mode": "stackable"}))
    signed_in(app, system, ["marketing"])
    form = app.get(URL, headers=EN).forms["simulator-form"]
    form["lines"] = f"{stocked['a']}:1, {stocked['b']}"
    form["shipping_fee"] = "10.00"
    form["coupon_template"] = str(coupon.id)
    page = form.submit(headers=EN)
    assert "lines=" in page.request.url  # a link that can be bookmarked
    html = page.html
    lines = {row["data-sku"]: [td.text for td in row.select("td")]
             for row in html.select(".simulated-line")}
    # The ¥40 shared by the lines in proportion to their prices.
    assert lines[stocked["a"]][2:] == ["¥100.00", "1", "¥16.00"]
    assert lines[stocked["b"]][2:] == ["¥150.00", "1", "¥24.00"]
    assert html.select_one("#items-total").text == "¥250.00"
    assert html.select_one("#discount-total").text == "¥40.00"
    applied = {li.select_one(".offer-name").text: li.select_one(".offer-amount").text
               for li in html.select(".applied-offer")}
    assert applied == {"tiers": "¥20.00", "20 off 100": "¥20.00"}
    skipped = {li.select_one(".offer-name").text: li.select_one(".offer-reason").text
               for li in html.select(".skipped-offer")}
    assert skipped == {"newcomers": "For other member groups", "in-the-app": "Not offered here"}
    assert [hint.text for hint in html.select(".hint")] == ["Add ¥250.00 more to save ¥60.00"]
    assert html.select_one("#capped") is None
    again = page.forms["simulator-form"]
    assert again["lines"].value == form["lines"].value
    assert again["coupon_template"].value == str(coupon.id)

    # The same cart as a new customer in the app: all three campaigns apply.
    page = simulate(app, lines=f"{stocked['a']}:1, {stocked['b']}", channel="app",
                    member_groups=["member", "new"])
    assert {li.select_one(".offer-name").text for li in page.html.select(".applied-offer")} \
        == {"tiers", "newcomers", "in-the-app"}
    # After the campaigns end, nothing applies.
    page = simulate(app, lines=stocked["a"], at=local(clock.now() + timedelta(days=4)))
    assert page.html.select_one("#nothing-applied") is not None


@pytest.mark.parametrize(("fields", "named"), [
    ({"lines": "NO-SUCH-SKU:1"}, "lines"),
    ({"lines": "A:0"}, "lines"),
    ({"lines": ""}, "lines"),
    ({"at": "2026-01-01T00:00"}, "lines"),  # a bookmark without a cart
    ({"lines": "x" * 5000}, "lines"),
    ({"lines": "A", "channel": "tv"}, "channel"),
    ({"lines": "A", "member_groups": "vip"}, "member_groups"),
    ({"lines": "A", "at": "0001-01-01T00:00"}, "at"),
    ({"lines": "A", "at": "tomorrow"}, "at"),
    ({"lines": "A", "shipping_fee": "NaN"}, "shipping_fee"),
    ({"lines": "A", "shipping_fee": "-1"}, "shipping_fee"),
    ({"lines": "A", "shipping_fee": "9" * 30}, "shipping_fee"),
    ({"lines": "A", "coupon_template": "abc"}, "coupon_template"),
    ({"lines": "A", "coupon_template": "999999"}, "coupon_template"),
    ({"lines": "A", "coupon_template": "9" * 30}, "coupon_template"),
])
def test_bad_input_is_named_at_its_field_with_a_400(app, system, stocked, fields, named):
    signed_in(app, system, ["marketing"])
    if "lines" in fields:
        fields = {**fields, "lines": fields["lines"].replace("A", stocked["a"], 1)}
    page = simulate(app, status=400, **fields)
    message = page.html.select_one(f'[data-field="{named}"]')
    assert message is not None and message.text.strip()
    assert page.html.select_one("#simulation") is None
    assert page.forms["simulator-form"]["lines"].value == fields.get("lines", "")[:4000]


def test_fifty_lines_are_shown_back_whole(app, system, stocked):
    signed_in(app, system, ["marketing"])
    lines = ", ".join(f"{stocked['a']}-NO-{n}:1" for n in range(51))
    page = simulate(app, status=400, lines=lines)
    assert page.forms["simulator-form"]["lines"].value == lines
    assert "50" in page.html.select_one('[data-field="lines"]').text


@pytest.mark.parametrize("query", [
    "lines=%00", "lines=A&at=%00", "lines=A&shipping_fee=%ff%fe", "lines=A%0d%0aX-Injected:%201",
    "lines=A&at=9999-12-31T23:59", "lines=A&shipping_fee=1e999", "lines=A&coupon_template=%d9%a3",
    "lines=A&coupon_template=-1", "lines=A&member_groups=" + "x" * 3000, "lines=A:" + "9" * 30,
    "lines=A&at=0001-01-01T00:00", "lines=A&shipping_fee=NaN", "lines=A&coupon_template=abc",
    "lines=" + "A:1," * 1250,
])
def test_hostile_query_strings_are_a_4xx(app, system, stocked, query):
    signed_in(app, system, ["marketing"])
    answer = app.get(f"{URL}?{query.replace('A', stocked['a'])}", headers=EN,
                     expect_errors=True)
    assert 400 <= answer.status_int < 500, answer.status


def test_staff_without_the_permission_are_refused_and_anonymous_sent_to_login(app, system,
                                                                              stocked):
    query = f"{URL}?lines={stocked['a']}"
    assert "/admin/login" in app.get(query, status=303).location
    signed_in(app, system, ["merchandiser"])
    assert app.get(query, headers=EN, status=403).html.select_one("#admin-forbidden")


def test_the_page_costs_the_same_statements_for_one_line_or_fifty(app, system, clock, stocked,
                                                                  queries):
    start(system, clock, "tiers", "spend_save", {"tiers": "200:20"})
    start(system, clock, "flash", "flash_sale", {"items": f"{stocked['a']}:50.00:10"})
    coupon = system.coupons.create_template(template_data())
    many = [code for _ in range(17) for code in sku_codes(system, sizes=("s", "m", "l"))][:49]
    signed_in(app, system, ["marketing"])
    simulate(app, lines=stocked["a"])  # the first page reads the reference data

    def statements(lines):
        queries.reset()
        page = simulate(app, lines=", ".join(f"{code}:2" for code in lines),
                        coupon_template=str(coupon.id))
        assert len(page.html.select(".simulated-line")) == len(lines)
        return queries.count

    one = statements([stocked["a"]])
    assert statements([stocked["a"], *many]) == one
    # The session, the staff member, their roles; the reference data's tokens; the SKUs, the
    # flash sale's items, the coupon template; the templates for the select.
    assert one <= 8, queries.statements


def test_a_coupon_valid_for_days_at_the_calendars_end_is_no_5xx(app, system, stocked):
    coupon = system.coupons.create_template(template_data(valid_days=30))
    signed_in(app, system, ["marketing"])
    answer = app.get(f"{URL}?lines={stocked['a']}&at=9999-12-30T00:00"
                     f"&coupon_template={coupon.id}", headers=EN, expect_errors=True)
    assert answer.status_int == 400
