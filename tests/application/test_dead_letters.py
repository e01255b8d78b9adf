"""The dead-letter queue: staff with the jobs permission read what failed its last try, and
send it round again; every retry is audited."""

from __future__ import annotations

import pytest

from shop.application import Forbidden, NotFound, Shop
from shop.application.events.dispatch import dispatch_events
from shop.application.messaging.delivery import deliver_messages
from tests.accounts_support import unit
from tests.events_support import Counting, deliveries, registered, until_dead
from tests.senders import Recorder
from tests.staff_factories import acting, staff


@pytest.fixture
def counting():
    return Counting()


@pytest.fixture
def shop(connection, settings, clock, counting):
    return Shop(connection, settings, clock=clock, handlers=counting.registry)


@pytest.fixture
def dead(shop, clock, counting):
    """One dead event delivery and one dead email (whose body holds a code)."""
    counting.failing = True
    customer_id = registered(shop)
    with unit(shop) as uow:
        message_id = uow._outbox.queue("email", "down@example.com", "Your code", "code 123456")
    broken = Recorder(broken={"down@example.com"})
    until_dead(shop, clock, lambda: (dispatch_events(shop),
                                     deliver_messages(shop, senders=lambda: {"email": broken})))
    delivery = next(d for d in deliveries(shop) if d.handler == "tests.count")
    return {"customer": customer_id, "message": message_id, "delivery": delivery.id}


def test_staff_with_the_jobs_permission_see_what_died_and_why(shop, system, dead):
    admin = staff(system, ["administrator"])
    overview = acting(system, admin).dead_letters.overview()
    assert (overview.event_total, overview.message_total) == (1, 1)
    [event] = overview.events
    assert (event.id, event.event_name, event.handler, event.payload) == (
        dead["delivery"], "customer.registered", "tests.count",
        {"customer_id": dead["customer"]})
    assert event.last_error == "RuntimeError: the handler broke"
    [message] = overview.messages
    assert (message.id, message.recipient, message.subject) == (
        dead["message"], "down@example.com", "Your code")
    assert message.last_error == "ConnectionRefusedError: gateway down"
    assert not hasattr(message, "body")  # a code read off the page could take over an account


def test_nobody_else_reads_or_retries_them(shop, system, dead):
    merchandiser = staff(system, ["merchandiser"])
    with unit(shop) as anonymous:
        for uow in (anonymous, acting(system, merchandiser)):
            with pytest.raises(Forbidden):
                uow.dead_letters.overview()
            with pytest.raises(Forbidden):
                uow.dead_letters.retry_event(dead["delivery"])
            with pytest.raises(Forbidden):
                uow.dead_letters.retry_message(dead["message"])


def test_a_retry_sends_it_round_again_with_fresh_tries_and_is_audited(
        shop, system, dead, counting):
    admin = staff(system, ["administrator"])
    staff_uow = acting(system, admin)
    staff_uow.dead_letters.retry_event(dead["delivery"])
    staff_uow.dead_letters.retry_message(dead["message"])
    system._session.flush()  # the jobs below read through their own units of work
    entries = system._audit.entries(action_prefix="jobs.dead_letter.retry")
    assert {(e.entity_type, e.entity_id, e.actor_name) for e in entries} == {
        ("event_delivery", str(dead["delivery"]), f"staff:{admin.username}"),
        ("outbox_message", str(dead["message"]), f"staff:{admin.username}")}
    with pytest.raises(NotFound):  # no longer dead
        staff_uow.dead_letters.retry_event(dead["delivery"])
    with pytest.raises(NotFound):
        staff_uow.dead_letters.retry_message(987654)

    counting.failing = False
    mail = Recorder()
    assert dispatch_events(shop).handled == 1
    assert deliver_messages(shop, senders=lambda: {"email": mail}).sent == 1
    assert [m.body for m in mail.sent] == ["code 123456"]
    assert {d.state for d in deliveries(shop)} == {"done"}
    assert acting(system, admin).dead_letters.overview().event_total == 0
