"""The category pages of the back office: the tree, the deform forms (new, rename, move) with
their field messages, the up/down and hide/show buttons, who may open what, and a tree page
whose cost does not grow with the tree."""

from __future__ import annotations

import pytest

from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
TREE = "/admin/catalog/categories"


def signed_in(app, system, roles=("merchandiser",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def _slugs(page) -> list[str]:
    return [row["data-slug"] for row in page.html.select("tr.category")]


def _row(system, slug):
    return next(row for row in system.categories.tree() if row.slug == slug)


def test_the_tree_shows_each_category_under_its_parent(app, system):
    factories.small_catalog(system, products=3)
    factories.category(system, "oxford", parent="shirts")
    signed_in(app, system)
    page = app.get(TREE, headers=EN)
    assert _slugs(page) == ["clothes", "shirts", "oxford", "jeans"]
    rows = {row["data-slug"]: row for row in page.html.select("tr.category")}
    assert rows["oxford"]["data-depth"] == "2"
    assert rows["clothes"].select_one(".subtree-products").text == "3"
    assert rows["shirts"].select_one(".products").text == "2"
    assert rows["shirts"].select_one(".move-down") and not rows["shirts"].select_one(".move-up")
    assert page.html.select_one("#admin-nav a[data-area=admin_catalog_categories]") is not None
    assert page.html.select_one("#new-category") is not None


def test_staff_who_may_only_look_see_the_tree_without_buttons(app, system):
    factories.small_catalog(system, products=0)
    signed_in(app, system, ["marketing"])
    page = app.get(TREE, headers=EN)
    assert _slugs(page) == ["clothes", "shirts", "jeans"]
    assert page.html.select("form") == [page.html.select_one("#logout-form")]
    assert page.html.select_one("#new-category") is None
    app.get(f"{TREE}/new", status=403)
    app.get(f"{TREE}/{_row(system, 'shirts').id}", status=403)


@pytest.mark.parametrize("roles", [["finance"], ["customer_service"], ["warehouse"]])
def test_staff_without_the_catalog_permission_are_refused(app, system, roles):
    factories.small_catalog(system, products=0)
    key = _row(system, "shirts").id
    signed_in(app, system, roles)
    for url in (TREE, f"{TREE}/new", f"{TREE}/{key}"):
        app.get(url, status=403)
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    for action in ("hide", "show", "move", "place"):
        app.post(f"{TREE}/{key}/{action}", {"csrf_token": csrf, "parent": "", "place": "1"},
                 status=403)
    assert _row(system, "shirts").is_published
    assert app.get("/admin").html.select("#admin-nav a[data-area^=admin_catalog]") == []


def test_a_new_category_through_the_form(app, system):
    factories.small_catalog(system, products=0)
    signed_in(app, system)
    page = app.get(f"{TREE}/new?parent=clothes", headers=EN)
    form = page.forms["category-form"]
    assert form["parent"].value == "clothes"
    assert form["csrf_token"].value  # the deform form carries the token
    options = [text for _value, _selected, text in form["parent"].options]
    assert [o.strip("\u3000") for o in options[:3]] == [
        "(At the top)", "Category clothes", "Category shirts"]
    form["slug"], form["name_zh"], form["name_en"] = "coats", "外套", "Coats"
    done = form.submit(headers=EN, status=303)
    assert "saved=1" in done.location
    edit = done.follow(headers=EN)
    assert edit.html.select_one("#saved") is not None
    assert edit.html.select_one("#page-title").text == "Coats"
    assert edit.forms["category-form"]["slug"].value == "coats"
    assert edit.forms["move-form"]["parent"].value == "clothes"
    assert _slugs(app.get(TREE)) == ["clothes", "shirts", "jeans", "coats"]


def test_a_bad_form_comes_back_with_the_fields_messages_and_writes_nothing(app, system):
    factories.small_catalog(system, products=0)
    signed_in(app, system)
    form = app.get(f"{TREE}/new", headers=EN).forms["category-form"]
    form["slug"], form["name_zh"], form["name_en"] = "Not A Slug", "", "Kept"
    page = form.submit(headers=EN, status=400)
    html = page.html
    assert "lower-case" in html.select_one("#error-category-form-slug").text
    assert html.select_one("#error-category-form-name_zh").text.strip() == "Required"
    assert html.select_one("#error-category-form-name_en") is None
    assert page.forms["category-form"]["name_en"].value == "Kept"
    zh = page.forms["category-form"].submit(headers=ZH, status=400).html
    assert zh.select_one("#error-category-form-name_zh").text.strip() == "必需"
    assert "小写字母" in zh.select_one("#error-category-form-slug").text
    assert len(system.categories.tree()) == 3


def test_the_applications_refusal_lands_on_its_field(app, system):
    """A slug another category has passes the schema; the service refuses it at ``slug``."""
    factories.small_catalog(system, products=0)
    signed_in(app, system)
    form = app.get(f"{TREE}/new", headers=EN).forms["category-form"]
    form["slug"], form["name_zh"], form["parent"] = "jeans", "牛仔", "clothes"
    page = form.submit(headers=EN, status=400)
    assert page.html.select_one("#error-category-form-slug").text.strip() == "Already taken"
    assert page.forms["category-form"]["parent"].value == "clothes"
    assert len(system.categories.tree()) == 3


def test_rename_and_move_from_the_edit_page(app, system):
    factories.small_catalog(system, products=2)
    factories.category(system, "oxford", parent="shirts")
    factories.category(system, "sale")
    signed_in(app, system)
    shirts = _row(system, "shirts")
    page = app.get(f"{TREE}/{shirts.id}", headers=EN)
    # The move form offers no place under the category itself.
    offered = [value for value, _selected, _text in page.forms["move-form"]["parent"].options]
    assert offered == ["", "clothes", "jeans", "sale"]
    form = page.forms["category-form"]
    form["name_en"] = "Shirts"
    form.submit(headers=EN, status=303)
    assert _row(system, "shirts").name_en == "Shirts"
    move = app.get(f"{TREE}/{shirts.id}", headers=EN).forms["move-form"]
    move["parent"] = "sale"
    move.submit(headers=EN, status=303)
    assert _slugs(app.get(TREE)) == ["clothes", "jeans", "sale", "shirts", "oxford"]


def test_moving_under_its_own_subtree_is_refused_at_the_parent_field(app, system):
    factories.small_catalog(system, products=0)
    factories.category(system, "oxford", parent="shirts")
    signed_in(app, system)
    shirts = _row(system, "shirts")
    move = app.get(f"{TREE}/{shirts.id}", headers=EN).forms["move-form"]
    # Not offered, but a crafted (or stale) form can still send it.
    move["parent"].force_value("oxford")
    page = move.submit(headers=EN, status=400)
    message = page.html.select_one("#error-move-form-parent").text
    assert "under itself" in message
    assert page.forms["category-form"]["slug"].value == "shirts"  # the page is whole
    assert _row(system, "shirts").parent_slug == "clothes"


def test_up_down_hide_and_show_buttons(app, system):
    factories.small_catalog(system, products=2)
    signed_in(app, system)
    tree = app.get(TREE, headers=EN)
    jeans = tree.html.select_one("tr[data-slug=jeans]")
    assert jeans.select_one(".move-up") is not None
    up = next(f for f in tree.forms.values() if f.action.endswith(
        f"/{_row(system, 'jeans').id}/place"))
    up.submit(status=303)
    assert _slugs(app.get(TREE)) == ["clothes", "jeans", "shirts"]
    assert app.get("/", headers=EN).html.select_one('a[href="/c/clothes"]') is not None
    tree = app.get(TREE, headers=EN)
    hide = next(f for f in tree.forms.values() if f.action.endswith(
        f"/{_row(system, 'clothes').id}/hide"))
    hide.submit(status=303)
    tree = app.get(TREE, headers=EN)
    assert tree.html.select_one("tr[data-slug=clothes] .hidden") is not None
    assert tree.html.select_one("tr[data-slug=jeans] .hidden-above") is not None
    assert app.get("/", headers=EN).html.select_one('a[href="/c/clothes"]') is None
    app.get("/c/jeans", status=404)
    show = next(f for f in tree.forms.values() if f.action.endswith(
        f"/{_row(system, 'clothes').id}/show"))
    show.submit(status=303)
    assert app.get("/c/jeans").status_int == 200


def test_a_bad_place_is_answered_on_the_tree(app, system):
    factories.small_catalog(system, products=0)
    signed_in(app, system)
    csrf = app.get(f"{TREE}/new").forms["category-form"]["csrf_token"].value
    key = _row(system, "jeans").id
    page = app.post(f"{TREE}/{key}/place", {"csrf_token": csrf, "place": "0"}, headers=EN,
                    status=400)
    assert page.html.select_one("#form-error") is not None
    assert _slugs(page) == ["clothes", "shirts", "jeans"]


def test_unknown_categories_are_404(app, system):
    signed_in(app, system)
    csrf = app.get(f"{TREE}/new").forms["category-form"]["csrf_token"].value
    app.get(f"{TREE}/999999", status=404)
    for action in ("hide", "move", "place"):
        app.post(f"{TREE}/999999/{action}", {"csrf_token": csrf, "place": "1"}, status=404)


def test_the_tree_page_costs_the_same_whatever_the_trees_size(app, system, queries):
    factories.small_catalog(system, products=2)
    signed_in(app, system)
    app.get(TREE)
    queries.reset()
    app.get(TREE)
    small = queries.count
    for i in range(15):
        factories.category(system, f"extra-{i}", parent="shirts" if i % 2 else None)
        factories.product(system, f"extra-{i}")
    system._session.flush()
    app.get(TREE)
    queries.reset()
    page = app.get(TREE)
    assert len(page.html.select("tr.category")) == 18
    assert queries.count == small, queries.statements
    # The login session, the actor, the tree and its counts, the base settings' token.
    assert queries.count <= 6, queries.statements
