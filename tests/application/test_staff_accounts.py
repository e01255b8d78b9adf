"""Staff accounts through the services: permissions checked here, whatever calls, and audited."""

from __future__ import annotations

import pytest

from shop.application import Conflict, Forbidden, Invalid, NotFound
from tests import staff_factories as sf


def entries(system, action):
    return [e for e in system._audit.entries(limit=100) if e.action == action]


def test_create_staff_hashes_the_password_and_audits(system):
    member = sf.staff(system, ["merchandiser"], username="mia", name="Mia")
    assert member.username == "mia" and member.role_codes == ("merchandiser",)
    assert "catalog:product:write" in member.permissions
    (entry,) = entries(system, "staff.create")
    assert entry.entity_type == "staff" and entry.entity_id == str(member.id)
    assert entry.after["roles"] == ["merchandiser"] and entry.after["username"] == "mia"
    assert entry.actor_name == "system:tests"
    assert "password" not in entry.after and "password_hash" not in entry.after


@pytest.mark.parametrize("change, field", [
    ({"username": "Bad Name!"}, "username"),
    ({"email": "not-an-email"}, "email"),
    ({"name": ""}, "name"),
    ({"password": "short"}, "password"),
    ({"password": "password1234"}, "password"),
    ({"roles": ["no_such_role"]}, "roles"),
])
def test_create_staff_names_the_bad_field(system, change, field):
    data = {"username": "newbie", "email": "newbie@example.com", "name": "Newbie",
            "password": sf.PASSWORD, "roles": ["finance"], **change}
    with pytest.raises(Invalid) as caught:
        system.staff.create_staff(data)
    assert field in caught.value.errors
    assert system.staff.list_staff({"q": "newbie"}).total == 0


def test_password_may_not_contain_the_username(system):
    with pytest.raises(Invalid) as caught:
        system.staff.create_staff({"username": "wang.wei", "email": "w@example.com",
                                   "name": "W", "password": "wang.wei-is-the-best-2026"})
    assert "password" in caught.value.errors


def test_usernames_are_unique_case_insensitively(system):
    sf.staff(system, username="zoe")
    with pytest.raises(Invalid) as caught:
        sf.staff(system, username="ZOE")
    assert caught.value.errors == {"username": "Already taken"}


def test_extra_fields_change_nothing(system):
    member = sf.staff(system, ["finance"], id=999, is_staff=True,
                      permissions=["system:staff:manage"], password_hash="x")
    assert member.id != 999
    assert "system:staff:manage" not in member.permissions
    saved = system.staff.update_staff(member.id, {"permissions": ["system:staff:manage"],
                                                  "username": "renamed", "id": 1})
    assert saved.staff.username == member.username
    assert saved.staff.permissions == member.permissions


@pytest.mark.parametrize("role", ["merchandiser", "customer_service", "warehouse", "purchasing",
                                  "finance"])
def test_only_staff_managers_may_touch_staff(system, role):
    member = sf.staff(system, [role])
    victim = sf.staff(system, ["finance"])
    tx = sf.acting(system, member)
    with pytest.raises(Forbidden):
        sf.staff(tx, ["administrator"])
    with pytest.raises(Forbidden):
        tx.staff.update_staff(victim.id, {"roles": ["administrator"]})
    with pytest.raises(Forbidden):
        tx.staff.reset_password(victim.id, {"password": "another-strong-pass-11"})
    with pytest.raises(Forbidden):
        tx.staff.list_staff()
    with pytest.raises(Forbidden):
        tx.staff.get_staff(victim.id)


def test_anonymous_may_not_create_staff(shop):
    with shop.transaction() as tx, pytest.raises(Forbidden):
        sf.staff(tx)


def test_a_staff_manager_cannot_grant_more_than_they_hold(system):
    system.roles.create_role({"code": "hr", "name_zh": "人事", "name_en": "HR",
                              "permissions": ["admin:dashboard:view", "system:staff:manage"]})
    manager = sf.staff(system, ["hr"])
    admin = sf.staff(system, ["administrator"])
    tx = sf.acting(system, manager)
    with pytest.raises(Invalid) as caught:
        sf.staff(tx, ["administrator"])
    assert "roles" in caught.value.errors
    # ... nor take over someone who holds more, e.g. by resetting an administrator's password.
    with pytest.raises(Forbidden):
        tx.staff.reset_password(admin.id, {"password": "i-am-the-admin-now-1"})
    with pytest.raises(Forbidden):
        tx.staff.update_staff(admin.id, {"is_active": False})
    # Within their own reach they may work.
    clerk = sf.staff(tx, ["hr"])
    assert clerk.role_codes == ("hr",)


def test_update_staff_audits_before_and_after(system):
    member = sf.staff(system, ["finance"], name="Old")
    saved = system.staff.update_staff(member.id, {"name": "New", "roles": ["warehouse"],
                                                  "email": "NEW@example.com"})
    assert saved.staff.name == "New" and saved.staff.email == "new@example.com"
    assert saved.staff.role_codes == ("warehouse",)
    (entry,) = entries(system, "staff.update")
    assert entry.before == {"name": "Old", "email": member.email, "roles": ["finance"]}
    assert entry.after == {"name": "New", "email": "new@example.com", "roles": ["warehouse"]}


def test_an_update_that_changes_nothing_is_not_audited(system):
    member = sf.staff(system, ["finance"])
    system.staff.update_staff(member.id, {"name": member.name, "roles": ["finance"]})
    assert entries(system, "staff.update") == []


def test_unknown_staff_is_not_found(system):
    with pytest.raises(NotFound):
        system.staff.update_staff(424242, {"name": "x"})


def test_last_active_administrator_cannot_be_demoted_or_deactivated(system):
    only = sf.staff(system, ["administrator"])
    with pytest.raises(Conflict) as caught:
        system.staff.update_staff(only.id, {"roles": ["finance"]})
    assert "last active administrator" in str(caught.value)
    with pytest.raises(Conflict):
        system.staff.update_staff(only.id, {"is_active": False})
    assert system.staff.get_staff(only.id).role_codes == ("administrator",)

    second = sf.staff(system, ["administrator"])
    system.staff.update_staff(only.id, {"roles": ["finance"]})  # another one remains: fine
    with pytest.raises(Conflict):
        system.staff.update_staff(second.id, {"is_active": False})


def test_an_inactive_administrator_does_not_count(system):
    first = sf.staff(system, ["administrator"])
    dormant = sf.staff(system, ["administrator"])
    system.staff.update_staff(dormant.id, {"is_active": False})
    with pytest.raises(Conflict):
        system.staff.update_staff(first.id, {"roles": []})


def test_role_change_ends_the_members_sessions(system):
    member = sf.staff(system, ["finance"])
    one = sf.session(system, "staff", member.id)
    two = sf.session(system, "staff", member.id)
    saved = system.staff.update_staff(member.id, {"roles": ["finance", "warehouse"]})
    assert saved.session is None  # the system actor has no session of theirs to rotate
    assert system.sessions.principal(one.token) is None
    assert system.sessions.principal(two.token) is None


def test_deactivation_ends_sessions_and_the_actor(system):
    member = sf.staff(system, ["finance"])
    grant = sf.session(system, "staff", member.id)
    system.staff.update_staff(member.id, {"is_active": False})
    assert system.sessions.principal(grant.token) is None
    assert system.staff.actor_for(member.id).kind == "anonymous"


def test_a_name_change_keeps_sessions(system):
    member = sf.staff(system, ["finance"])
    grant = sf.session(system, "staff", member.id)
    system.staff.update_staff(member.id, {"name": "Renamed"})
    assert system.sessions.principal(grant.token) is not None


def test_own_role_change_rotates_the_actors_session(system):
    sf.staff(system, ["administrator"])
    me = sf.staff(system, ["administrator"])
    mine = sf.session(system, "staff", me.id)
    elsewhere = sf.session(system, "staff", me.id)
    tx = sf.acting(system, me)
    saved = tx.staff.update_staff(me.id, {"roles": ["administrator", "finance"]},
                                  current_session=mine.token)
    assert saved.session is not None and saved.session.token != mine.token
    assert tx.sessions.principal(saved.session.token).id == me.id
    assert tx.sessions.principal(mine.token) is None
    assert tx.sessions.principal(elsewhere.token) is None


def test_reset_password_audits_without_the_hash_and_ends_sessions(system, shop):
    member = sf.staff(system, ["finance"])
    grant = sf.session(system, "staff", member.id)
    with pytest.raises(Invalid) as caught:
        system.staff.reset_password(member.id, {"password": "brand-new-secret-77",
                                                "password_confirm": "something-else-77"})
    assert "password_confirm" in caught.value.errors
    system.staff.reset_password(member.id, {"password": "brand-new-secret-77",
                                            "password_confirm": "brand-new-secret-77"})
    assert system.sessions.principal(grant.token) is None
    (entry,) = entries(system, "staff.password.reset")
    assert entry.after == {"password": "changed"}
    signed_in = system.staff.login({"username": member.username,
                                    "password": "brand-new-secret-77"})
    assert signed_in.staff.id == member.id


def test_list_staff_is_paged_and_searchable(system):
    for i in range(3):
        sf.staff(system, ["finance"], username=f"listed{i}")
    page = system.staff.list_staff({"q": "listed"})
    assert [s.username for s in page.items] == ["listed0", "listed1", "listed2"]
    assert page.total == 3 and page.pages == 1
    with pytest.raises(Invalid) as caught:
        system.staff.list_staff({"page": "101"})
    assert "page" in caught.value.errors


def test_list_staff_query_count_does_not_grow(system, queries):
    for i in range(2):
        sf.staff(system, ["finance"], username=f"few{i}")
    queries.reset()
    system.staff.list_staff({"q": "few"})
    few = queries.count
    system.roles.create_role({"code": "mixed", "name_zh": "混合", "name_en": "Mixed",
                              "permissions": ["admin:dashboard:view"]})
    for i in range(6):
        sf.staff(system, ["finance", "mixed"], username=f"few{i + 2}")
    queries.reset()
    system.staff.list_staff({"q": "few"})
    assert queries.count == few


def test_demo_administrator_is_made_once(system):
    assert system.staff.ensure_demo_administrator() is True
    assert system.staff.ensure_demo_administrator() is False
    signed_in = system.staff.login({"username": "admin", "password": "back-office-demo-2026"})
    assert "system:staff:manage" in signed_in.staff.permissions


def test_dashboard_counts_only_what_the_actor_may_see(system):
    sf.customer(system)
    member = sf.staff(system, ["warehouse"])
    board = sf.acting(system, member).staff.dashboard()
    assert board.me.username == member.username
    assert board.products is None and board.customers is None and board.staff is None
    admin = sf.staff(system, ["administrator"])
    board = sf.acting(system, admin).staff.dashboard()
    assert board.customers >= 1 and board.staff >= 2 and board.products == 0
