"""/admin/dead-letters: what failed its last try, with the error and a retry button."""

from __future__ import annotations

import pytest

from shop.application import Shop
from shop.application.events.dispatch import dispatch_events
from shop.application.messaging.delivery import deliver_messages
from tests import staff_factories as sf
from tests.accounts_support import unit
from tests.events_support import Counting, deliveries, registered, until_dead
from tests.senders import Recorder

EN = {"Accept-Language": "en"}


@pytest.fixture
def counting():
    return Counting()


@pytest.fixture
def shop(connection, settings, clock, counting):
    return Shop(connection, settings, clock=clock, handlers=counting.registry)


@pytest.fixture
def dead(shop, clock, counting):
    counting.failing = True
    registered(shop)
    with unit(shop) as uow:
        uow._outbox.queue("email", "down@example.com", "Your code", "code 123456")
    broken = Recorder(broken={"down@example.com"})
    until_dead(shop, clock, lambda: (dispatch_events(shop),
                                     deliver_messages(shop, senders=lambda: {"email": broken})))
    counting.failing = False


def signed_in(app, system, roles):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def test_administrators_see_the_dead_letters_and_retry_one(app, system, shop, dead):
    signed_in(app, system, ["administrator"])
    nav = app.get("/admin", headers=EN)
    assert "admin_dead_letters" in [a["data-area"] for a in nav.html.select("#admin-nav a")]
    page = app.get("/admin/dead-letters", headers=EN)
    assert page.html.select_one("#dead-event-total").text == "1"
    assert page.html.select_one("#dead-message-total").text == "1"
    [event] = page.html.select(".dead-event")
    assert "customer.registered" in event.text and "tests.count" in event.text
    assert event.select_one(".dead-error").text == "RuntimeError: the handler broke"
    [message] = page.html.select(".dead-message")
    assert "down@example.com" in message.text
    assert "gateway down" in message.select_one(".dead-error").text
    assert "123456" not in page.text  # the body (a code) is never shown

    retried = event.select_one("form").attrs["action"]
    csrf = event.select_one("input[name=csrf_token]")["value"]
    app.post(retried, {}, status=400)  # no CSRF token: refused before the view runs
    response = app.post(retried, {"csrf_token": csrf}, status=303)
    assert response.location.endswith("/admin/dead-letters?retried=event")
    after = response.follow(headers=EN)
    assert after.html.select_one("#retried") is not None
    assert after.html.select_one("#no-dead-events") is not None
    assert after.html.select_one("#dead-message-total").text == "1"
    app.post(retried, {"csrf_token": csrf}, status=404)  # not dead any more

    assert dispatch_events(shop).handled == 1
    assert {d.state for d in deliveries(shop)} == {"done"}


def test_the_page_reads_in_chinese(app, system, shop, dead):
    signed_in(app, system, ["administrator"])
    page = app.get("/admin/dead-letters", headers={"Accept-Language": "zh-CN"})
    assert "死信队列" in page.html.select_one("h1").text
    assert page.html.select_one(".dead-event button").text == "重试"


def test_other_roles_neither_see_nor_open_it(app, system, shop, dead):
    signed_in(app, system, ["customer_service"])
    nav = app.get("/admin", headers=EN)
    assert "admin_dead_letters" not in [a["data-area"] for a in nav.html.select("#admin-nav a")]
    app.get("/admin/dead-letters", status=403)
