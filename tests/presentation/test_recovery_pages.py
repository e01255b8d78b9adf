"""Password recovery through the pages: the emailed link is on the shop's public address."""

from __future__ import annotations

import pytest

from shop.application.public_url import MissingPublicUrl
from shop.presentation import main
from tests.accounts_support import OTHER_PASSWORD, messages_to, register_email, web_log_in

EMAIL = "qian@example.com"


def _recover(web, identifier, **headers):
    form = web.get("/account/recover", headers=headers).forms["recover-form"]
    form["identifier"] = identifier
    return form.submit(headers=headers)


def test_a_hostile_host_header_does_not_move_the_reset_link(web, shop, clock):
    register_email(shop, EMAIL)
    clock.advance(seconds=61)
    _recover(web, EMAIL, Host="evil.example")
    [body] = [m.body for m in messages_to(shop, EMAIL) if "/account/reset/" in m.body]
    assert "evil.example" not in body
    assert "https://shop.example/account/reset/" in body


def test_the_emailed_link_resets_the_password_through_the_pages(web, shop, clock):
    register_email(shop, EMAIL)
    clock.advance(seconds=61)
    _recover(web, EMAIL)
    body = messages_to(shop, EMAIL)[-1].body
    path = body.split("https://shop.example", 1)[1].split()[0]
    form = web.get(path).forms["reset-link-form"]
    form["password"] = OTHER_PASSWORD
    assert form.submit(status=303).location.endswith("/account/login?done=reset")
    assert web_log_in(web, EMAIL, OTHER_PASSWORD, status=303)


def test_a_served_shop_refuses_to_start_without_its_public_address(tmp_path, monkeypatch):
    monkeypatch.delenv("SHOP_PUBLIC_URL", raising=False)
    settings = {"sqlalchemy.url": f"sqlite:///{tmp_path / 'shop.sqlite'}"}
    with pytest.raises(MissingPublicUrl, match=r"shop\.public_url.*SHOP_PUBLIC_URL"):
        main({}, **settings)
    monkeypatch.setenv("SHOP_PUBLIC_URL", "https://shop.example.com/")
    assert main({}, **settings).registry.shop.public_url == "https://shop.example.com"
