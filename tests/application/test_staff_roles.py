"""Roles: built-ins seeded by the migration and fixed in code; custom roles built, edited,
deleted by those who may, each change audited and felt at once by the holders."""

from __future__ import annotations

import pytest

from shop.application import Conflict, Forbidden, Invalid, NotFound, Permission
from shop.application.staff.builtin_roles import BUILTIN_ROLES, STAFF_PERMISSION_VALUES
from tests import staff_factories as sf

CUSTOM = {"code": "content_editor", "name_zh": "内容编辑", "name_en": "Content editor",
          "permissions": ["admin:dashboard:view", "catalog:product:view"]}


def entries(system, action):
    return [e for e in system._audit.entries(limit=100) if e.action == action]


def test_the_migration_seeded_exactly_the_builtin_roles_in_code(system):
    builtin = {r.code: r for r in system.roles.list_roles() if r.is_builtin}
    assert set(builtin) == set(BUILTIN_ROLES)
    for code, role in builtin.items():
        assert set(role.permissions) == BUILTIN_ROLES[code]


def test_builtin_permission_sets(system):
    roles = {r.code: set(r.permissions) for r in system.roles.list_roles()}
    assert roles["administrator"] == STAFF_PERMISSION_VALUES
    assert Permission.ACCOUNT_SELF.value not in roles["administrator"]
    assert roles["merchandiser"] == {"admin:dashboard:view", "catalog:product:view",
                                     "catalog:product:write"}
    assert roles["customer_service"] == {"admin:dashboard:view", "crm:customer:view",
                                         "crm:customer:manage", "order:order:view",
                                         "order:order:manage", "order:rma:manage"}
    assert roles["warehouse"] == {"admin:dashboard:view", "wms:stock:view", "wms:stock:manage",
                                  "order:order:view"}
    assert roles["purchasing"] == {"admin:dashboard:view", "purchasing:order:manage",
                                   "wms:stock:view"}
    assert roles["finance"] == {"admin:dashboard:view", "finance:ledger:view",
                                "finance:ledger:manage", "order:order:view"}


def test_actor_holds_the_union_of_their_roles(system):
    system.roles.create_role(CUSTOM)
    member = sf.staff(system, ["finance", "content_editor"])
    actor = system.staff.actor_for(member.id)
    assert actor.kind == "staff" and actor.name == f"staff:{member.username}"
    assert actor.permissions == BUILTIN_ROLES["finance"] | {"catalog:product:view"}


def test_create_custom_role_and_audit(system):
    role = system.roles.create_role(CUSTOM)
    assert role.code == "content_editor" and not role.is_builtin
    assert set(role.permissions) == set(CUSTOM["permissions"])
    (entry,) = entries(system, "staff.role.create")
    assert entry.entity_type == "role" and entry.entity_id == "content_editor"
    assert set(entry.after["permissions"]) == set(CUSTOM["permissions"])


@pytest.mark.parametrize("change, field", [
    ({"code": "Bad Code"}, "code"),
    ({"code": "administrator"}, "code"),
    ({"name_zh": ""}, "name_zh"),
    ({"permissions": []}, "permissions"),
    ({"permissions": ["system:everything:ever"]}, "permissions.0"),
    ({"permissions": ["account:self:manage"]}, "permissions.0"),
])
def test_create_role_names_the_bad_field(system, change, field):
    with pytest.raises(Invalid) as caught:
        system.roles.create_role({**CUSTOM, **change})
    assert field in caught.value.errors


def test_edit_custom_role_audits_before_after_and_ends_holders_sessions(system):
    system.roles.create_role(CUSTOM)
    holder = sf.staff(system, ["content_editor"])
    grant = sf.session(system, "staff", holder.id)
    saved = system.roles.update_role("content_editor", {
        "name_en": "Editor", "permissions": ["admin:dashboard:view", "catalog:product:write"]})
    assert saved.role.name_en == "Editor" and saved.role.holders == 1
    assert "catalog:product:write" in system.staff.actor_for(holder.id).permissions
    assert system.sessions.principal(grant.token) is None
    (entry,) = entries(system, "staff.role.update")
    assert entry.before == {"name_en": "Content editor",
                            "permissions": ["admin:dashboard:view", "catalog:product:view"]}
    assert entry.after == {"name_en": "Editor",
                           "permissions": ["admin:dashboard:view", "catalog:product:write"]}


def test_renaming_keeps_holders_sessions(system):
    system.roles.create_role(CUSTOM)
    holder = sf.staff(system, ["content_editor"])
    grant = sf.session(system, "staff", holder.id)
    system.roles.update_role("content_editor", {"name_zh": "编辑"})
    assert system.sessions.principal(grant.token) is not None


def test_builtin_permissions_are_fixed_but_names_may_change(system):
    with pytest.raises(Invalid) as caught:
        system.roles.update_role("finance", {"permissions": ["admin:dashboard:view"]})
    assert "permissions" in caught.value.errors
    saved = system.roles.update_role("finance", {"name_en": "Accounts"})
    assert saved.role.name_en == "Accounts"
    assert set(saved.role.permissions) == BUILTIN_ROLES["finance"]


def test_delete_role_rules(system):
    with pytest.raises(Conflict):
        system.roles.delete_role("administrator")
    system.roles.create_role(CUSTOM)
    holder = sf.staff(system, ["content_editor"])
    with pytest.raises(Conflict):
        system.roles.delete_role("content_editor")
    system.staff.update_staff(holder.id, {"roles": []})
    system.roles.delete_role("content_editor")
    with pytest.raises(NotFound):
        system.roles.get_role("content_editor")
    (entry,) = entries(system, "staff.role.delete")
    assert entry.before["code"] == "content_editor" and entry.after is None


@pytest.mark.parametrize("role", ["merchandiser", "finance"])
def test_roles_need_role_manage(system, role):
    member = sf.staff(system, [role])
    tx = sf.acting(system, member)
    for attempt in (lambda: tx.roles.create_role(CUSTOM),
                    lambda: tx.roles.update_role("finance", {"name_en": "x"}),
                    lambda: tx.roles.delete_role("finance"),
                    lambda: tx.roles.get_role("finance"),
                    lambda: tx.roles.list_roles()):
        with pytest.raises(Forbidden):
            attempt()


def test_a_role_manager_builds_only_from_what_they_hold(system):
    system.roles.create_role({"code": "role_keeper", "name_zh": "角色", "name_en": "Roles",
                              "permissions": ["admin:dashboard:view", "system:role:manage"]})
    keeper = sf.staff(system, ["role_keeper"])
    tx = sf.acting(system, keeper)
    with pytest.raises(Invalid) as caught:
        tx.roles.create_role({**CUSTOM, "permissions": ["system:staff:manage"]})
    assert "permissions" in caught.value.errors
    # ... and cannot widen their own role into more than they hold.
    with pytest.raises(Invalid):
        tx.roles.update_role("role_keeper", {"permissions": [
            "admin:dashboard:view", "system:role:manage", "system:staff:manage"]})
    made = tx.roles.create_role({**CUSTOM, "permissions": ["admin:dashboard:view"]})
    assert made.permissions == ("admin:dashboard:view",)


def test_editing_a_role_the_actor_holds_rotates_their_session(system):
    sf.staff(system, ["administrator"])
    system.roles.create_role(CUSTOM)
    me = sf.staff(system, ["administrator", "content_editor"])
    mine = sf.session(system, "staff", me.id)
    tx = sf.acting(system, me)
    saved = tx.roles.update_role("content_editor", {"permissions": ["admin:dashboard:view"]},
                                 current_session=mine.token)
    assert saved.session is not None
    assert tx.sessions.principal(mine.token) is None
    assert tx.sessions.principal(saved.session.token).id == me.id


def test_permission_groups_hold_every_permission_once_by_module(system):
    groups = system.roles.permission_groups()
    flat = [c.value for g in groups for c in g.choices]
    assert sorted(flat) == sorted(STAFF_PERMISSION_VALUES) and len(flat) == len(set(flat))
    by_code = {g.code: {c.value for c in g.choices} for g in groups}
    assert by_code["catalog"] == {"catalog:product:view", "catalog:product:write",
                                  "wms:stock:view", "wms:stock:manage",
                                  "purchasing:order:manage"}
    assert by_code["orders"] == {"order:order:view", "order:order:manage",
                                 "order:rma:manage"}
    assert [g.code for g in groups] == ["home", "catalog", "orders", "marketing", "customers",
                                        "finance", "system"]
    assert all(c.label.interpolate() != c.value for g in groups for c in g.choices)
