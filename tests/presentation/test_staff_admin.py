"""The back office through the real app: login, pages per role, forms, escaping, sessions."""

from __future__ import annotations

import pytest

from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
#: Which built-in roles may open which page (the explicit expectation; the route walk in
#: test_staff_routes.py checks every route against the permission it declares).
PAGES = {
    "/admin": {"administrator", "merchandiser", "customer_service", "warehouse", "purchasing",
               "finance"},
    "/admin/staff": {"administrator"},
    "/admin/staff/new": {"administrator"},
    "/admin/roles": {"administrator"},
    "/admin/roles/new": {"administrator"},
    "/admin/audit": {"administrator"},
    "/admin/settings": {"administrator"},
    "/admin/shipping-methods": {"administrator"},
    "/admin/shipping-methods/new": {"administrator"},
}


@pytest.fixture
def admin(system):
    return sf.staff(system, ["administrator"], username="boss", name="Boss")


def signed_in(app, system, roles, **kw):
    member = sf.staff(system, roles, **kw)
    sf.cookie(app, system, "staff", member.id)
    return member


# -- login and logout ------------------------------------------------------------------------

def test_anonymous_is_sent_to_the_staff_login_and_back(app, admin):
    response = app.get("/admin/audit?action=staff.", status=303)
    assert "/admin/login?came_from=%2Fadmin%2Faudit%3Faction%3Dstaff." in response.location
    login = app.get(response.location)
    done = sf.web_login(app, "boss", came_from=login.forms["login-form"]["came_from"].value)
    assert done.status_int == 303 and done.location.endswith("/admin/audit?action=staff.")


def test_login_ignores_a_foreign_came_from(app, admin):
    page = app.get("/admin/login?came_from=https://evil.example/admin")
    assert page.forms["login-form"]["came_from"].value == "/admin"


def test_login_shows_who_you_are_and_your_roles(app, admin):
    sf.web_login(app, "boss", status=303)
    page = app.get("/admin", headers=EN)
    assert page.html.select_one("#me-username").text == "boss"
    assert [b.text for b in page.html.select(".role-badge")] == ["Administrator"]
    assert page.headers["Cache-Control"] == "no-store"


def test_failures_look_alike_and_name_nobody(app, admin, system):
    sf.staff(system, ["finance"], username="asleep", is_active=False)
    bodies = []
    for username, password in [("boss", "wrong-password-1"), ("nobody", sf.PASSWORD),
                               ("asleep", sf.PASSWORD)]:
        page = sf.web_login(app, username, password, status=400)
        bodies.append(page.html.select_one("#form-error").text)
        assert "shop_session" not in app.cookies
    assert len(set(bodies)) == 1


def test_empty_login_names_the_fields(app):
    page = sf.web_login(app, "", "", status=400)
    assert {e["data-field"] for e in page.html.select(".invalid-feedback")} == {"username",
                                                                                "password"}


def test_lockout_after_repeated_failures(app, admin):
    for _ in range(5):
        sf.web_login(app, "boss", "wrong-password-1", status=400)
    page = sf.web_login(app, "boss", status=429)
    assert int(page.headers["Retry-After"]) > 0
    assert "shop_session" not in app.cookies


def test_login_rotates_and_logout_ends_the_session(app, admin, system):
    before = sf.cookie(app, system, "staff", admin.id)
    sf.web_login(app, "boss", status=303)
    after = app.cookies["shop_session"]
    assert after != before
    assert system.identify(before).kind == "anonymous"
    page = app.get("/admin")
    page.forms["logout-form"].submit(status=303)
    assert system.identify(after).kind == "anonymous"
    assert not app.cookies.get("shop_session")
    app.get("/admin", status=303)


def test_login_needs_the_csrf_token(app, admin):
    app.post("/admin/login", {"username": "boss", "password": sf.PASSWORD}, status=400)


# -- who sees what ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["administrator", "merchandiser", "finance"])
def test_pages_render_for_the_right_roles_only(app, system, admin, role):
    signed_in(app, system, [role])
    for url, allowed in PAGES.items():
        status = 200 if role in allowed else 403
        app.get(url, status=status)


def test_the_side_nav_lists_only_permitted_areas(app, system, admin):
    signed_in(app, system, ["merchandiser"])
    page = app.get("/admin", headers=EN)
    assert [a["data-area"] for a in page.html.select("#admin-nav a")] == [
        "admin", "admin_catalog_products", "admin_catalog_categories", "admin_catalog_brands",
        "admin_catalog_attributes"]
    assert page.html.select_one("[data-count=products]") is not None
    assert page.html.select_one("[data-count=staff]") is None


def test_a_shopper_session_never_opens_the_back_office(app, system, admin):
    sf.cookie(app, system, "customer", sf.customer(system))
    assert "/admin/login" in app.get("/admin", status=303).location
    assert "/admin/login" in app.get("/admin/staff", status=303).location
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    response = app.post("/admin/staff/new", {"csrf_token": csrf, "username": "sneaky",
                                             "email": "s@example.com", "name": "S",
                                             "password": sf.PASSWORD,
                                             "roles": "administrator"}, status=303)
    assert "/admin/login" in response.location
    assert system.staff.list_staff({"q": "sneaky"}).total == 0


# -- staff forms -----------------------------------------------------------------------------

def test_create_staff_through_the_form_ignoring_extra_fields(app, system, admin):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/staff/new").forms["staff-form"]
    form["username"] = "newhire"
    form["name"] = "New Hire"
    form["email"] = "newhire@example.com"
    form["password"] = sf.PASSWORD
    for box in form.fields["roles"]:
        box.checked = box._value == "finance"
    extra = [("is_staff", "1"), ("id", "1"), ("permissions", "system:staff:manage")]
    response = app.post("/admin/staff/new", [*form.submit_fields(), *extra], status=303)
    made = system.staff.list_staff({"q": "newhire"}).items[0]
    assert response.location.endswith(f"/admin/staff/{made.id}?saved=1")
    assert made.role_codes == ("finance",) and made.id != 1
    assert "system:staff:manage" not in made.permissions


def test_create_staff_form_names_bad_fields(app, system, admin):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/staff/new").forms["staff-form"]
    form["username"] = "Bad Name"
    form["email"] = "nope"
    form["password"] = "short"
    page = form.submit(status=400)
    fields = {e["data-field"] for e in page.html.select(".invalid-feedback")}
    assert {"username", "email", "name"} <= fields
    assert page.forms["staff-form"]["password"].value == ""  # never echoed back


def test_a_script_in_a_staff_name_renders_inert(app, system, admin):
    evil = sf.staff(system, ["finance"], name="<script>alert(1)</script>")
    signed_in(app, system, ["administrator"])
    for url in ["/admin/staff", f"/admin/staff/{evil.id}", "/admin/audit"]:
        page = app.get(url)
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;" in page.text
    sf.cookie(app, system, "staff", evil.id)
    assert "<script>alert(1)</script>" not in app.get("/admin").text


def test_edit_roles_through_the_form_ends_their_sessions(app, system, admin):
    clerk = sf.staff(system, ["finance"])
    theirs = sf.session(system, "staff", clerk.id)
    system._session.flush()
    signed_in(app, system, ["administrator"])
    form = app.get(f"/admin/staff/{clerk.id}").forms["staff-form"]
    for box in form.fields["roles"]:
        box.checked = box._value == "warehouse"
    form.submit(status=303)
    assert system.staff.get_staff(clerk.id).role_codes == ("warehouse",)
    assert system.identify(theirs.token).kind == "anonymous"


def test_own_role_change_rotates_the_cookie(app, system, admin):
    me = signed_in(app, system, ["administrator"])
    before = app.cookies["shop_session"]
    form = app.get(f"/admin/staff/{me.id}").forms["staff-form"]
    for box in form.fields["roles"]:
        box.checked = box._value in ("administrator", "finance")
    form.submit(status=303)
    assert app.cookies["shop_session"] != before
    assert system.identify(before).kind == "anonymous"
    app.get("/admin/staff", status=200)


def test_the_last_administrator_is_kept_with_a_clear_message(app, system):
    me = signed_in(app, system, ["administrator"])
    form = app.get(f"/admin/staff/{me.id}", headers=EN).forms["staff-form"]
    form["is_active"] = False
    page = form.submit(headers=EN, status=409)
    assert "last active administrator" in page.html.select_one("#form-error").text
    assert system.staff.get_staff(me.id).is_active


def test_reset_password_form(app, system, admin):
    clerk = sf.staff(system, ["finance"])
    signed_in(app, system, ["administrator"])
    form = app.get(f"/admin/staff/{clerk.id}/password").forms["password-form"]
    form["password"] = "fresh-start-password-9"
    form["password_confirm"] = "different-password-9"
    page = form.submit(status=400)
    assert page.html.select_one("[data-field=password_confirm]") is not None
    form = page.forms["password-form"]
    form["password"] = form["password_confirm"] = "fresh-start-password-9"
    form.submit(status=303)
    assert system.staff.login({"username": clerk.username,
                               "password": "fresh-start-password-9"}).staff.id == clerk.id


# -- roles, audit, settings ------------------------------------------------------------------

def test_build_edit_and_delete_a_role_through_forms(app, system, admin):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/roles/new").forms["role-form"]
    form["code"] = "auditor"
    form["name_zh"] = "审计"
    form["name_en"] = "Auditor"
    for box in form.fields["permissions"]:
        box.checked = box._value in ("admin:dashboard:view", "system:audit:view")
    form.submit(status=303)
    assert set(system.roles.get_role("auditor").permissions) == {"admin:dashboard:view",
                                                                 "system:audit:view"}
    form = app.get("/admin/roles/auditor").forms["role-form"]
    for box in form.fields["permissions"]:
        box.checked = False
    page = form.submit(status=400)
    assert page.html.select_one("[data-field=permissions]") is not None
    app.get("/admin/roles/auditor").forms["delete-role-form"].submit(status=303)
    assert "auditor" not in [r.code for r in system.roles.list_roles()]


def test_a_builtin_role_form_keeps_its_permissions(app, system, admin):
    signed_in(app, system, ["administrator"])
    page = app.get("/admin/roles/finance")
    assert "delete-role-form" not in page.forms
    form = page.forms["role-form"]
    form["name_en"] = "Money"
    form.submit(status=303)
    role = system.roles.get_role("finance")
    assert role.name_en == "Money" and "finance:ledger:manage" in role.permissions


def test_audit_page_filters_pages_and_shows_changes(app, system, admin):
    for i in range(55):
        system._audit.record("test.tick", "tick", i, before={"n": i}, after={"n": i + 1})
    system._session.flush()
    signed_in(app, system, ["administrator"])
    page = app.get("/admin/audit", {"action": "test."})
    rows = page.html.select(".audit-entry")
    assert len(rows) == 50
    assert rows[0].select_one(".audit-before").text == "54"
    assert rows[0].select_one(".audit-after").text == "55"
    older = app.get(page.html.select_one("#older")["href"])
    assert len(older.html.select(".audit-entry")) == 5
    assert older.html.select_one("#older") is None
    bad = app.get("/admin/audit", {"since": "soon"}, status=400)
    assert bad.html.select_one("[data-field=since]") is not None


def test_settings_form_saves_and_the_storefront_shows_the_name(app, system, admin):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/settings").forms["settings-form"]
    form["time_zone"] = "Nowhere/Special"
    form["shop_name_en"] = "Lantern Market"
    page = form.submit(status=400)
    assert page.html.select_one("[data-field=time_zone]") is not None
    assert system.settings.current().shop_name_en == ""
    form = page.forms["settings-form"]
    form["time_zone"] = "Asia/Shanghai"
    form["shop_name_zh"] = "灯笼集市"
    form.submit(status=303)
    home = app.get("/", headers=EN)
    assert home.html.select_one("#logo").text == "Lantern Market"
    assert "Lantern Market" in home.html.title.text
    assert app.get("/", headers={"Accept-Language": "zh-CN"}).html.select_one(
        "#logo").text == "灯笼集市"


def test_the_default_language_setting_serves_visitors_who_state_no_preference(app, system,
                                                                                admin):
    assert app.get("/").html.html["lang"] == "zh-CN"  # development default (settings fixture)
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/settings").forms["settings-form"]
    form["default_locale"] = "en"
    form.submit(status=303)
    app.reset()  # a new visitor: no cookies
    assert app.get("/").html.html["lang"] == "en"
    # A stated preference, in the browser or chosen on the page, still wins.
    assert app.get("/", headers={"Accept-Language": "zh-CN"}).html.html["lang"] == "zh-CN"


def test_the_storefront_falls_back_to_the_translated_default_name(app):
    assert app.get("/", headers=EN).html.select_one("#logo").text == "Shop"


def test_member_level_thresholds_are_set_in_the_settings_form(app, shop, system, admin):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/settings", headers=EN).forms["settings-form"]
    assert form["member_level_gold"].value == "5000.00"
    form["member_level_gold"] = "800"  # below silver's ¥1,000
    page = form.submit(status=400, headers=EN)
    assert page.html.select_one("[data-field=member_level_gold]").text == \
        "More than the level below it (¥1000.00)"
    assert system.settings.current().member_level_gold == "5000.00"
    form = page.forms["settings-form"]
    form["member_level_gold"] = "3000"
    form.submit(status=303)
    with shop.transaction() as tx:
        assert tx.settings.current().member_level_gold == "3000.00"
