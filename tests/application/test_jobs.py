"""The jobs: one list, run by the in-process runner and the console; the purge job; settings."""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from shop.application import Invalid
from shop.application.events.dispatch import dispatch_events
from shop.application.jobs import purge
from shop.application.jobs.catalog import JOBS, Job, find_job
from shop.application.jobs.runner import JobRunner
from shop.application.jobs.settings import JobSettings
from shop.application.messaging.delivery import deliver_messages
from shop.application.sessions.service import LoginSessions
from shop.data.models import (
    AuditEntry,
    DomainEvent,
    EventDelivery,
    OAuthAttempt,
    OneTimeCode,
    OutboxMessage,
    ThrottleEvent,
    WebSession,
)
from shop.presentation import cli
from tests.accounts_support import unit
from tests.events_support import registered
from tests.senders import Recorder

_mobiles = itertools.count(1)


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.sms.sender": "file", "shop.sms.directory": str(tmp_path / "sms"),
            "shop.mail.sender": "file", "shop.mail.directory": str(tmp_path / "mail")}


@dataclass(frozen=True)
class Done:
    """A report, as the real jobs return one."""

    done: int = 1


def count(shop, model, *where):
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        return tx._session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_runner_runs_each_job_when_due_by_the_shops_clock(shop, clock):
    ran = []
    jobs = [Job("often", timedelta(seconds=5), "", lambda s: ran.append("often") or Done()),
            Job("hourly", timedelta(hours=1), "", lambda s: ran.append("hourly") or Done())]
    runner = JobRunner(shop, jobs)
    assert [o.job for o in runner.run_due()] == ["often", "hourly"]  # all due at first
    assert runner.run_due() == []
    clock.advance(seconds=5)
    assert [o.job for o in runner.run_due()] == ["often"]
    clock.advance(hours=1)
    assert [o.job for o in runner.run_due()] == ["often", "hourly"]
    assert ran == ["often", "hourly", "often", "often", "hourly"]


def test_only_a_job_that_did_something_is_logged(shop, caplog):
    caplog.set_level("INFO", logger="shop.application.jobs.runner")
    JobRunner(shop).run_all()  # nothing to deliver, dispatch or purge
    assert caplog.text == ""
    registered(shop)
    JobRunner(shop).run_all()
    assert "job dispatch-events: {'handled': 1" in caplog.text
    assert "purge-expired" not in caplog.text


def test_a_failing_job_is_reported_and_the_others_still_run(shop, caplog):
    def broken(shop):
        raise RuntimeError("the mail server is on fire")

    jobs = [Job("broken", timedelta(seconds=5), "", broken),
            Job("fine", timedelta(seconds=5), "", lambda s: Done())]
    outcomes = JobRunner(shop, jobs).run_all()
    assert [(o.job, o.ok) for o in outcomes] == [("broken", False), ("fine", True)]
    assert outcomes[0].error == "RuntimeError: the mail server is on fire"
    assert outcomes[1].result == {"done": 1}
    assert "job broken failed" in caplog.text


def test_the_shops_jobs_deliver_dispatch_and_purge(shop, tmp_path):
    assert [job.name for job in JOBS] == ["deliver-messages", "dispatch-events",
                                          "close-unpaid-orders", "purge-expired",
                                          "track-shipments", "send-refunds",
                                          "check-pending-payments", "expire-points",
                                          "publish-scheduled-products"]
    customer_id = registered(shop)
    with unit(shop) as uow:
        message_id = uow._outbox.queue("sms", "+8613800138000", "", "hello")
    outcomes = {o.job: o for o in JobRunner(shop).run_all()}
    assert outcomes["deliver-messages"].result == {"sent": 1, "failed": 0}
    assert outcomes["dispatch-events"].result == {"handled": 1, "failed": 0, "skipped": 0}
    assert outcomes["purge-expired"].ok
    assert outcomes["close-unpaid-orders"].result == {"closed": 0, "failed": 0}
    assert outcomes["track-shipments"].result == {"polled": 0, "events": 0, "delivered": 0,
                                                  "failed": 0}  # tracking is off here
    assert outcomes["send-refunds"].result == {"succeeded": 0, "pending": 0, "failed": 0}
    assert outcomes["check-pending-payments"].result == {"checked": 0, "captured": 0,
                                                           "closed": 0}
    assert outcomes["expire-points"].result == {"accounts": 0, "points": 0}
    assert outcomes["publish-scheduled-products"].result == {"published": 0}
    assert (tmp_path / "sms" / f"{message_id:08d}.txt").exists()
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        assert tx.rewards.balance(customer_id) == 100
    with pytest.raises(LookupError, match="deliver-messages"):
        find_job("deliver")


def test_the_console_lists_and_runs_the_jobs(shop, capsys):
    registered(shop)
    assert cli.jobs_list(shop, argparse.Namespace()) == 0
    listed = capsys.readouterr().out
    assert "deliver-messages" in listed and "every     5s" in listed and "every     1h" in listed
    args = cli.parser().parse_args(["x.ini", "jobs", "run", "--once", "--job", "dispatch-events"])
    assert (args.handler, args.once, args.job) == (cli.jobs_run, True, ["dispatch-events"])
    assert cli.jobs_run(shop, args) == 0
    assert capsys.readouterr().out == (
        "dispatch-events: {'handled': 1, 'failed': 0, 'skipped': 0}\n")
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["x.ini", "jobs", "run", "--job", "nonsense"])


def test_job_settings_are_checked_and_name_the_setting():
    defaults = JobSettings.from_settings({})
    assert (defaults.in_process, defaults.lease, defaults.retention) == (
        False, timedelta(minutes=5), timedelta(days=30))
    assert defaults.broker_url == "amqp://guest:guest@127.0.0.1:5672//"
    assert JobSettings.from_settings({"shop.jobs.in_process": "true"}).in_process
    for key, value in [("shop.jobs.lease_seconds", "soon"), ("shop.jobs.lease_seconds", "1"),
                       ("shop.jobs.retention_days", "0")]:
        with pytest.raises(Invalid) as caught:
            JobSettings.from_settings({key: value})
        assert list(caught.value.errors) == [key]


def test_a_lease_outlasts_three_smtp_timeouts():
    """No send starts in a lease's last third, so that third must be longer than one send can
    take: else a slow send's lease runs out and another worker sends the message again."""
    smtp = {"shop.mail.sender": "smtp", "shop.smtp.timeout": "30"}
    with pytest.raises(Invalid) as caught:
        JobSettings.from_settings({**smtp, "shop.jobs.lease_seconds": "89"})
    assert list(caught.value.errors) == ["shop.jobs.lease_seconds"]
    assert "shop.smtp.timeout" in caught.value.errors["shop.jobs.lease_seconds"]
    assert JobSettings.from_settings({**smtp, "shop.jobs.lease_seconds": "90"}).lease == \
        timedelta(seconds=90)
    with pytest.raises(Invalid) as caught:
        JobSettings.from_settings({"shop.mail.sender": "smtp", "shop.jobs.lease_seconds": "60"})
    assert list(caught.value.errors) == ["shop.jobs.lease_seconds"]  # the default 30 s too
    # File and console senders wait for no server.
    assert JobSettings.from_settings({"shop.jobs.lease_seconds": "10"}).lease == \
        timedelta(seconds=10)


def test_the_purge_deletes_only_what_nobody_needs(shop, clock, monkeypatch):
    monkeypatch.setattr(purge, "BATCH", 2)  # several batches, each its own transaction
    old = _one_of_each(shop)
    clock.advance(days=31)
    recent = _one_of_each(shop)

    report = purge.purge_expired(shop)
    assert report.deleted == {"web_session": 1, "oauth_attempt": 1, "one_time_code": 1,
                              "outbox_message": 2, "domain_event": 1,
                              # three failures, and the code request's two send counts
                              "throttle_event": 5}
    for model in (WebSession, OAuthAttempt, OneTimeCode):
        assert count(shop, model) == 1, model  # the recent one
    assert count(shop, ThrottleEvent) == 5  # the recent ones
    assert count(shop, OutboxMessage, OutboxMessage.id == old["dead_message"]) == 1
    assert count(shop, OutboxMessage, OutboxMessage.id == old["sent_message"]) == 0
    assert count(shop, OutboxMessage, OutboxMessage.id == recent["sent_message"]) == 1
    assert count(shop, DomainEvent, DomainEvent.id == old["done_event"]) == 0
    assert count(shop, EventDelivery, EventDelivery.event_id == old["done_event"]) == 0
    assert count(shop, DomainEvent, DomainEvent.id == old["dead_event"]) == 1
    assert count(shop, DomainEvent, DomainEvent.id == recent["done_event"]) == 1
    assert count(shop, AuditEntry, AuditEntry.action == "jobs.purge") == 1

    again = purge.purge_expired(shop)  # a second run (or a run after a crash) finds nothing
    assert set(again.deleted.values()) == {0}
    assert count(shop, AuditEntry, AuditEntry.action == "jobs.purge") == 1


def test_every_table_is_purged_in_batches(shop, clock, monkeypatch):
    """One short transaction per batch: a first purge of a big table never holds SQLite's write
    lock for long."""
    monkeypatch.setattr(purge, "BATCH", 2)
    batches: dict[str, list[int]] = {}
    purges = purge._purges()

    def counting(table, run):
        def batch(tx, now, settings):
            batches.setdefault(table, []).append(run(tx, now, settings))
            return batches[table][-1]
        return batch
    monkeypatch.setattr(purge, "_purges", lambda: {t: counting(t, p) for t, p in purges.items()})
    customer_id = registered(shop)
    for n in range(3):
        with shop.transaction(actor=shop.system_actor("tests")) as tx:
            LoginSessions(tx).begin("customer", customer_id)
            now = tx.clock.now()
            tx._session.add(OAuthAttempt(
                state_hash=f"state{n}", browser_hash="b", provider="oidc", purpose="login",
                code_verifier="v", nonce="n", redirect_uri="/",
                expires_at=now + timedelta(minutes=10)))
            tx._session.add(ThrottleEvent(key="login:ip:203.0.113.1", at=now))
    clock.advance(days=31)
    purge.purge_expired(shop)
    for table in ("web_session", "oauth_attempt", "throttle_event"):
        assert batches[table] == [2, 1], table
    for model in (WebSession, OAuthAttempt, ThrottleEvent):
        assert count(shop, model) == 0, model


def _one_of_each(shop):
    """One of each purgeable thing as of the clock's now (a sent and a dead message, a handled
    and a dead event); the ids the test asks about."""
    customer_id = registered(shop)
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        LoginSessions(tx).begin("customer", customer_id)  # 12 hours
    with unit(shop) as uow:
        uow.accounts.request_registration_code({"mobile": f"1390013{next(_mobiles):04d}"})
        now = uow.clock.now()
        uow._session.add(OAuthAttempt(
            state_hash=f"s{now.timestamp()}", browser_hash="b", provider="oidc",
            purpose="login", code_verifier="v", nonce="n", redirect_uri="/",
            expires_at=now + timedelta(minutes=10)))
        uow._session.add_all([ThrottleEvent(key="login:ip:203.0.113.1", at=now)
                             for _ in range(3)])
        sent = uow._outbox.queue("email", "a@example.com", "s", "b")
        dead = uow._outbox.queue("email", "b@example.com", "s", "b")
    deliver_messages(shop, senders=lambda: {"email": Recorder(broken={"b@example.com"}),
                                            "sms": Recorder()})
    dispatch_events(shop)
    registered(shop)  # its event's delivery dies below
    with unit(shop) as uow:
        events = uow._session.scalars(select(DomainEvent.id).order_by(DomainEvent.id)).all()
        uow._session.execute(update(EventDelivery).where(EventDelivery.event_id == events[-1])
                            .values(state="dead"))
        uow._session.execute(update(OutboxMessage).where(OutboxMessage.id == dead)
                            .values(state="dead"))
    return {"sent_message": sent, "dead_message": dead, "done_event": events[-2],
            "dead_event": events[-1]}
