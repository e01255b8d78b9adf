"""The outbox: queued in the caller's transaction; delivered later by a job that claims a batch,
commits, sends with no transaction open, and records each outcome; failures retried with
backoff, then dead."""

from __future__ import annotations

import argparse
import email
import io
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select

from shop.application import Forbidden, Invalid
from shop.application.jobs.lease import ABANDONED, RETRIES, Lease
from shop.application.messaging.delivery import DeliveryReport, deliver_messages
from shop.application.messaging.senders import (
    ConsoleSender,
    FileSender,
    OutgoingMessage,
    SmtpSender,
    email_message,
    senders_from_settings,
)
from shop.data.models import AuditEntry, Base, OutboxMessage
from shop.presentation import cli
from tests.accounts_support import (
    latest_code,
    latest_link_token,
    register_email,
    register_mobile,
    unit,
)
from tests.senders import Recorder, SlowRecorder
from tests.staff_factories import acting, staff

LEASE = timedelta(seconds=300)  # the default shop.jobs.lease_seconds
NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.mail.sender": "file", "shop.mail.directory": str(tmp_path / "mail"),
            "shop.sms.sender": "file", "shop.sms.directory": str(tmp_path / "sms"),
            "shop.smtp.from": "shop@example.com"}


def _rows(shop):
    with unit(shop) as uow:
        rows = uow._session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        uow._session.expunge_all()
        return {row.recipient: row for row in rows}


def _queue(shop, *recipients, channel="email"):
    with unit(shop) as uow:
        return [uow._outbox.queue(channel, r, "Hi", f"to {r}") for r in recipients]


def test_messages_are_queued_in_the_callers_transaction(shop):
    with unit(shop) as uow:
        uow._outbox.queue("email", "a@example.com", "Hello", "Body")
    with pytest.raises(RuntimeError), unit(shop) as uow:
        uow._outbox.queue("sms", "+8613800138000", "", "rolled back")
        raise RuntimeError("the caller failed")
    rows = _rows(shop)
    assert list(rows) == ["a@example.com"]
    assert rows["a@example.com"].state == "pending"


def test_an_unknown_channel_is_a_programming_error(shop):
    with unit(shop) as uow, pytest.raises(ValueError):
        uow._outbox.queue("pigeon", "x", "", "")


def test_delivery_marks_sent_and_retries_failures_with_backoff_until_dead(shop, clock):
    _queue(shop, "a@example.com", "down@example.com", "b@example.com")
    with unit(shop) as uow:
        uow._outbox.queue("sms", "+8613800138000", "", "code 123456")
    mail, sms = Recorder(broken={"down@example.com"}), Recorder()
    senders = lambda: {"email": mail, "sms": sms}  # noqa: E731
    report = deliver_messages(shop, limit=10, senders=senders)
    assert (report.sent, report.failed) == (3, 1)
    assert [m.recipient for m in mail.sent] == ["a@example.com", "b@example.com"]
    assert [m.body for m in sms.sent] == ["code 123456"]
    assert mail.batches == 1  # one connection for the batch
    rows = _rows(shop)
    assert rows["a@example.com"].state == "done"
    assert rows["a@example.com"].sent_at == clock.now()
    failed = rows["down@example.com"]
    assert (failed.state, failed.attempts, failed.sent_at) == ("pending", 1, None)
    assert "gateway down" in failed.last_error
    assert failed.next_attempt_at == clock.now() + timedelta(minutes=1)
    assert failed.claimed_by is None and failed.claimed_until is None

    # Not due again before its backoff has passed; then 1, 2, 4 … minutes apart.
    assert deliver_messages(shop, senders=senders).failed == 0
    waits = []
    for attempt in range(2, RETRIES.max_attempts + 1):
        clock.set(_rows(shop)["down@example.com"].next_attempt_at)
        assert deliver_messages(shop, senders=senders).failed == 1
        row = _rows(shop)["down@example.com"]
        assert row.attempts == attempt
        if row.state == "pending":
            waits.append(row.next_attempt_at - clock.now())
    assert waits[:3] == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert max(waits) == timedelta(hours=1)
    assert _rows(shop)["down@example.com"].state == "dead"
    clock.advance(days=1)
    assert deliver_messages(shop, senders=senders) == DeliveryReport(0, 0)
    assert _rows(shop)["down@example.com"].attempts == RETRIES.max_attempts
    assert len(mail.sent) == 2
    with unit(shop) as uow:
        entry = uow._session.scalars(select(AuditEntry).where(
            AuditEntry.action == "messaging.outbox.deliver").order_by(AuditEntry.id)).first()
        assert (entry.actor_name, entry.after) == ("system:outbox", {"sent": 3, "failed": 1})


def test_delivery_is_limited_per_call(shop):
    _queue(shop, *(f"+86138001380{n:02d}" for n in range(5)), channel="sms")
    sms = Recorder()
    assert deliver_messages(shop, limit=2, senders=lambda: {"sms": sms}).sent == 2
    assert deliver_messages(shop, limit=10, senders=lambda: {"sms": sms}).sent == 3
    assert deliver_messages(shop, limit=10, senders=lambda: {"sms": sms}).sent == 0


def test_a_channel_without_a_sender_fails_and_is_retried(shop):
    _queue(shop, "+8613800138000", channel="sms")
    report = deliver_messages(shop, senders=lambda: {"email": Recorder()})
    assert (report.sent, report.failed) == (0, 1)
    assert _rows(shop)["+8613800138000"].last_error == "no sender for channel sms"


def test_a_crashed_workers_claim_returns_after_its_lease(shop, clock):
    """A worker that claimed a batch and died sent nothing; the batch waits for the lease to
    run out, then another worker sends each message once."""
    _queue(shop, "a@example.com", "b@example.com")
    with shop.transaction(actor=shop.system_actor("crashing")) as tx:
        assert len(tx._outbox.claim(Lease.starting(clock, LEASE), 10)) == 2
    mail = Recorder()
    assert deliver_messages(shop, senders=lambda: {"email": mail}).sent == 0  # still leased
    clock.advance(LEASE)
    assert deliver_messages(shop, senders=lambda: {"email": mail}).sent == 2
    assert sorted(m.recipient for m in mail.sent) == ["a@example.com", "b@example.com"]
    assert {row.attempts for row in _rows(shop).values()} == {2}  # the crash used a try


def test_a_message_every_claimer_died_on_goes_dead(shop, clock):
    """A message that kills its sender would otherwise be claimed forever."""
    _queue(shop, "poison@example.com")
    for _ in range(RETRIES.max_attempts):
        with shop.transaction(actor=shop.system_actor("crashing")) as tx:
            assert len(tx._outbox.claim(Lease.starting(clock, LEASE), 10)) == 1
        clock.advance(LEASE)
    mail = Recorder()
    assert deliver_messages(shop, senders=lambda: {"email": mail}).sent == 0
    row = _rows(shop)["poison@example.com"]
    assert (row.state, row.last_error, mail.sent) == ("dead", ABANDONED, [])


def test_no_send_starts_in_the_last_third_of_the_lease(shop, clock):
    """Sends slower than planned: the worker gives back what it cannot send in time (without
    counting a try), so no lease runs out while its message is still being sent."""
    _queue(shop, *(f"m{n}@example.com" for n in range(6)))
    slow = SlowRecorder(clock, LEASE / 4)
    report = deliver_messages(shop, senders=lambda: {"email": slow})
    assert report.sent == 3  # at 0, 1/4 and 1/2 of the lease; 3/4 is past two thirds
    rows = _rows(shop)
    given_back = [r for r in rows.values() if r.state == "pending"]
    assert len(given_back) == 3
    assert all(r.claimed_by is None and r.attempts == 0 for r in given_back)
    assert deliver_messages(shop, senders=lambda: {"email": slow}).sent == 3
    assert len({m.id for m in slow.sent}) == 6


def test_only_the_system_actor_takes_queue_steps(shop, system):
    """Claiming and finishing deliveries are internal hooks: a visitor or a staff member with
    every permission reaches none of them."""
    [message_id] = _queue(shop, "a@example.com")
    admin = staff(system, ["administrator"])
    lease = Lease.starting(shop.clock, LEASE)
    with unit(shop) as anonymous:
        for uow in (acting(system, admin), anonymous):
            with pytest.raises(Forbidden):
                uow._outbox.claim(lease, 10)
            with pytest.raises(Forbidden):
                uow._outbox.deliveries.complete(message_id, lease)
            with pytest.raises(Forbidden):
                uow._outbox.deliveries.fail(message_id, lease, "no")
    assert _rows(shop)["a@example.com"].claimed_by is None


def test_file_senders_write_eml_and_text(shop, tmp_path):
    with unit(shop) as uow:
        email_id = uow._outbox.queue("email", "li@example.com", "注册验证码", "验证码 123456")
        sms_id = uow._outbox.queue("sms", "+8613800138000", "", "验证码 654321")
    report = deliver_messages(shop)
    assert (report.sent, report.failed) == (2, 0)
    eml = (tmp_path / "mail" / f"{email_id:08d}.eml").read_bytes()
    parsed = email.message_from_bytes(eml, policy=policy.default)
    assert parsed["To"] == "li@example.com" and parsed["Subject"] == "注册验证码"
    assert parsed["From"] == "shop@example.com"
    assert parsed["Message-ID"].startswith(f"<outbox-{email_id}.")
    assert "验证码 123456" in parsed.get_content()
    text = (tmp_path / "sms" / f"{sms_id:08d}.txt").read_text(encoding="utf-8")
    assert "+8613800138000" in text and "验证码 654321" in text


def test_a_message_keeps_its_message_id_when_sent_again():
    """The one window (sent, not yet recorded) can send a message twice: both copies carry one
    Message-ID, so mail systems and readers can tell they are the same message."""
    message = OutgoingMessage(7, "email", "li@example.com", "Code", "123456", NOON)
    first = email_message(message, "shop@example.com")["Message-ID"]
    assert email_message(message, "shop@example.com")["Message-ID"] == first
    other = OutgoingMessage(8, "email", "li@example.com", "Code", "123456", NOON)
    assert email_message(other, "shop@example.com")["Message-ID"] != first
    assert first.endswith("@example.com>")


def test_console_sender_prints():
    stream = io.StringIO()
    with ConsoleSender(stream) as sender:
        sender.send(OutgoingMessage(7, "sms", "+8613800138000", "", "code 123456", NOON))
    assert "+8613800138000" in stream.getvalue() and "code 123456" in stream.getvalue()


def test_senders_follow_the_settings(tmp_path):
    chosen = senders_from_settings({"shop.mail.sender": "smtp", "shop.smtp.host": "mail.test",
                                    "shop.smtp.port": "2525", "shop.smtp.starttls": "true",
                                    "shop.sms.sender": "file",
                                    "shop.sms.directory": str(tmp_path)})
    assert isinstance(chosen["email"], SmtpSender) and chosen["email"].port == 2525
    assert chosen["email"].starttls is True
    assert isinstance(chosen["sms"], FileSender)
    defaults = senders_from_settings({})
    assert isinstance(defaults["email"], ConsoleSender)
    assert isinstance(defaults["sms"], ConsoleSender)
    with pytest.raises(Invalid) as caught:
        senders_from_settings({"shop.mail.sender": "carrier-pigeon"})
    assert "shop.mail.sender" in caught.value.errors
    with pytest.raises(Invalid):
        senders_from_settings({"shop.sms.sender": "smtp"})


def test_the_console_command_delivers(shop, tmp_path, capsys):
    with unit(shop) as uow:
        message_id = uow._outbox.queue("sms", "+8613800138000", "", "hello")
    assert cli.outbox_deliver(shop, argparse.Namespace(limit=10, every=0)) == 0
    assert "1 sent, 0 failed" in capsys.readouterr().out
    assert (tmp_path / "sms" / f"{message_id:08d}.txt").exists()
    args = cli.parser().parse_args(["x.ini", "outbox", "deliver", "--limit", "5"])
    assert (args.handler, args.limit, args.every) == (cli.outbox_deliver, 5, 0)


def test_a_sent_message_leaves_no_code_or_link_in_the_database(shop, clock):
    """Codes are stored only as SHA-256 hashes; a sent message, kept for the retention days,
    must not hold them in plain text either: a dump or backup would leak live secrets."""
    register_email(shop, "zhao@example.com")
    register_mobile(shop, "13800138000")
    clock.advance(seconds=61)  # one code a minute per address
    for identifier in ("zhao@example.com", "13800138000"):
        with unit(shop) as uow:
            uow.accounts.request_password_reset({"identifier": identifier})
    secrets = [latest_link_token(shop, "zhao@example.com"), latest_code(shop, "+8613800138000")]
    mail, sms = Recorder(), Recorder()
    deliver_messages(shop, senders=lambda: {"email": mail, "sms": sms})
    assert secrets[0] in mail.sent[-1].body and secrets[1] in sms.sent[-1].body
    with unit(shop) as uow:
        dump = repr([uow._session.execute(select(table)).all()
                     for table in Base.metadata.sorted_tables])
        rows = uow._session.scalars(select(OutboxMessage)).all()
        uow._session.expunge_all()
    assert not [secret for secret in secrets if secret in dump]
    # What staff read stays: channel, recipient, subject, when, how many tries.
    assert {(row.state, row.body) for row in rows} == {("done", "")}
    reset = [row for row in rows if row.recipient == "zhao@example.com"][-1]
    assert (reset.channel, reset.subject, reset.attempts) == ("email", "Reset your password", 1)
    assert reset.sent_at is not None


def test_a_failed_message_keeps_its_body_for_the_next_try(shop):
    """Until it is sent (or while dead, for staff to send again) the body is still needed."""
    _queue(shop, "down@example.com")
    deliver_messages(shop, senders=lambda: {"email": Recorder(broken={"down@example.com"})})
    row = _rows(shop)["down@example.com"]
    assert (row.state, row.body) == ("pending", "to down@example.com")


@pytest.mark.parametrize("key,value", [("shop.smtp.port", "twenty-five"),
                                       ("shop.smtp.timeout", "soon"),
                                       ("shop.smtp.timeout", "nan")])
def test_a_wrong_setting_fails_delivery_before_any_message_is_claimed(shop, key, value):
    """Claiming first would use up a try on every run: eight runs and the outbox is dead."""
    _queue(shop, "a@example.com")
    shop.settings.update({"shop.mail.sender": "smtp", "shop.jobs.lease_seconds": "300",
                          key: value})
    for _ in range(RETRIES.max_attempts + 1):
        with pytest.raises(Invalid) as caught:
            deliver_messages(shop)
        assert list(caught.value.errors) == [key]
    row = _rows(shop)["a@example.com"]
    assert (row.state, row.attempts, row.claimed_by) == ("pending", 0, None)


def test_an_emails_date_is_the_shops_time(shop, clock, tmp_path):
    """The Date header comes from the shop's clock, like every other time the shop writes."""
    clock.set(datetime(2031, 7, 4, 8, 30, tzinfo=UTC))
    [message_id] = _queue(shop, "li@example.com")
    deliver_messages(shop)
    eml = (tmp_path / "mail" / f"{message_id:08d}.eml").read_bytes()
    date = email.message_from_bytes(eml, policy=policy.default)["Date"]
    assert date.datetime == clock.now()
