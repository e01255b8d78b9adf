"""Helpers for the account and messaging tests: a clock to move, units of work per "request",
and reading codes back out of the outbox (the way a shopper reads their phone)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import transaction
from sqlalchemy import select

from shop.application import Shop, ShopError, UnitOfWork
from shop.data.models import OutboxMessage

STRONG_PASSWORD = "correct horse battery staple"
OTHER_PASSWORD = "lantern orchard velvet 42"
VISITOR_IP = "203.0.113.7"


@contextmanager
def unit(shop: Shop, *, token: str | None = None, ip: str | None = VISITOR_IP,
         locale: str = "en") -> Iterator[UnitOfWork]:
    """One request's unit of work: the visitor behind ``token``, committed when it ends."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield shop.bind(manager, session_token=token, client_ip=ip, locale=locale)


def attempt(shop: Shop, call: Any, **kw: Any) -> Any:
    """Run ``call(uow)`` and commit even if it raises (as the web views do); return the result
    or the application error it raised."""
    with unit(shop, **kw) as uow:
        try:
            return call(uow)
        except ShopError as exc:
            return exc


def messages_to(shop: Shop, recipient: str) -> list[OutboxMessage]:
    with unit(shop) as uow:
        rows = uow._session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)).all()
        uow._session.expunge_all()
        return list(rows)


def latest_code(shop: Shop, recipient: str) -> str:
    body = messages_to(shop, recipient)[-1].body
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


def latest_link_token(shop: Shop, recipient: str) -> str:
    body = messages_to(shop, recipient)[-1].body
    found = re.search(r"/account/reset/([A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


def register_mobile(shop: Shop, mobile: str = "13800138000", password: str = STRONG_PASSWORD,
                    ip: str | None = VISITOR_IP, **extra: Any) -> Any:
    """A quick registration end to end; returns the ``SignedIn``."""
    with unit(shop, ip=ip) as uow:
        sent = uow.accounts.request_registration_code({"mobile": mobile})
    code = latest_code(shop, sent.destination)
    with unit(shop, ip=ip) as uow:
        return uow.accounts.register({"mobile": mobile, "code": code, "password": password,
                                      **extra})


def register_email(shop: Shop, email: str, password: str = STRONG_PASSWORD,
                   ip: str | None = VISITOR_IP, **extra: Any) -> Any:
    with unit(shop, ip=ip) as uow:
        sent = uow.accounts.request_registration_code({"email": email})
    code = latest_code(shop, sent.destination)
    with unit(shop, ip=ip) as uow:
        return uow.accounts.register({"email": email, "code": code, "password": password,
                                      **extra})


# -- through the web pages -------------------------------------------------------------------


def set_cookies(response: Any, name: str) -> list[str]:
    """The Set-Cookie headers of ``response`` for cookie ``name``."""
    return [h for h in response.headers.getall("Set-Cookie") if h.startswith(f"{name}=")]


def session_cookie_value(response: Any, name: str = "shop_session") -> str:
    [header] = set_cookies(response, name)
    return header.split(";")[0].split("=", 1)[1]


def web_register(app: Any, shop: Shop, mobile: str = "13800138000",
                 password: str = STRONG_PASSWORD, **profile: str) -> Any:
    """Quick registration through the two pages; returns the response that signs in."""
    page = app.get("/account/register")
    form = page.forms["register-form"]
    form["mobile"] = mobile
    confirm = form.submit()
    form = confirm.forms["register-confirm-form"]
    form["code"] = latest_code(shop, form["mobile"].value)
    form["password"] = password
    for name, value in profile.items():
        form[name] = value
    return form.submit(status=303)


def web_log_in(app: Any, identifier: str, password: str = STRONG_PASSWORD, *,
               remember: bool = False, status: Any = "*", came_from: str | None = None) -> Any:
    page = app.get("/account/login" + (f"?came_from={came_from}" if came_from else ""))
    form = page.forms["login-form"]
    form["identifier"], form["password"] = identifier, password
    form["remember"] = remember
    return form.submit(status=status)
