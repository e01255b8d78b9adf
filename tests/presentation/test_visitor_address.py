"""The visitor's address that per-address limits count: the connection's, never a header the
visitor wrote (waitress rewrites REMOTE_ADDR from a trusted proxy's headers in production)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shop.presentation.request import client_ip


@pytest.mark.parametrize(("remote_addr", "expected"), [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:DB8::1", "2001:db8::1"),
    ("fe80::1%eth0", "fe80::1"),
    ("x" * 400, None),
    ("203.0.113.9, 10.0.0.1", None),
    ("", None),
    (None, None),
])
def test_the_address_is_the_connections_and_valid(remote_addr, expected):
    request = SimpleNamespace(remote_addr=remote_addr,
                              client_addr="198.51.100.1", headers={})
    assert client_ip(request) == expected


def test_a_new_forwarded_for_per_request_does_not_escape_the_address_limit(web):
    # Each try names another (unknown) account, so only the per-address rule (30) can stop them.
    for n in range(31):
        page = web.get("/account/login")
        form = page.forms["login-form"]
        form["identifier"], form["password"] = f"guess{n}@example.com", "wrong password here"
        form.submit(headers={"X-Forwarded-For": f"10.0.{n}.1"}, status=400 if n < 30 else 429)


@pytest.mark.parametrize(("path", "form_id"), [("/account/login", "login-form"),
                                               ("/account/recover", "recover-form"),
                                               ("/account/register", "register-form")])
@pytest.mark.parametrize("environ", [
    {"HTTP_X_FORWARDED_FOR": "1.2.3.4" + "9" * 100},
    {"REMOTE_ADDR": "x" * 100},
])
def test_a_long_or_invalid_address_is_no_server_error(web, path, form_id, environ):
    page = web.get(path, extra_environ=environ)
    form = page.forms[form_id]
    for name in ("identifier", "mobile"):
        if name in form.fields:
            form[name] = "13800138000"
    if "password" in form.fields:
        form["password"] = "wrong password here"
    assert form.submit(extra_environ=environ, expect_errors=True).status_int < 500
