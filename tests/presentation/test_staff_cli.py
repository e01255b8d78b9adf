"""``shop-admin INI staff ...``: the first administrator of a real shop, and the demo's."""

from __future__ import annotations

import io

import pytest

from shop.application import Invalid
from shop.presentation import cli, cli_staff
from tests import staff_factories as sf


def run(shop, argv, monkeypatch, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    args = cli.parser().parse_args(["development.ini", *argv])
    return args.handler(shop, args)


def test_staff_create_reads_the_password_from_stdin(shop, monkeypatch, capsys):
    code = run(shop, ["staff", "create", "--username", "root", "--email", "root@example.com",
                      "--role", "administrator", "--password-stdin"], monkeypatch,
               stdin=sf.PASSWORD + "\n")
    assert code == 0 and "root created (administrator)" in capsys.readouterr().out
    with shop.transaction() as tx:
        signed_in = tx.staff.login({"username": "root", "password": sf.PASSWORD})
        assert "system:staff:manage" in signed_in.staff.permissions
    with shop.transaction(actor=shop.system_actor("t")) as tx:
        (entry,) = [e for e in tx._audit.entries(limit=5) if e.action == "staff.create"]
        assert entry.actor_name == "system:shop-admin staff create"


def test_staff_create_asks_twice_without_echo(shop, monkeypatch):
    answers = iter([sf.PASSWORD, "something-else-entirely"])
    monkeypatch.setattr(cli_staff.getpass, "getpass", lambda prompt: next(answers))
    with pytest.raises(Invalid) as caught:
        run(shop, ["staff", "create", "--username", "root", "--email", "root@example.com",
                   "--role", "administrator"], monkeypatch)
    assert set(caught.value.errors) == {"password"}


def test_staff_create_refuses_a_weak_password(shop, monkeypatch):
    with pytest.raises(Invalid) as caught:
        run(shop, ["staff", "create", "--username", "root", "--email", "root@example.com",
                   "--role", "administrator", "--password-stdin"], monkeypatch,
            stdin="short\n")
    assert set(caught.value.errors) == {"password"}


def test_demo_admin_is_created_once(shop, monkeypatch, capsys):
    assert run(shop, ["staff", "demo-admin"], monkeypatch) == 0
    assert "back-office-demo-2026" in capsys.readouterr().out
    assert run(shop, ["staff", "demo-admin"], monkeypatch) == 0
    assert "exists" in capsys.readouterr().out
