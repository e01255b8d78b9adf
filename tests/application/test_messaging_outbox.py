"""The outbox: queued in the caller's transaction, delivered later, failures kept for retry."""

from __future__ import annotations

import argparse
import email
import io
from email import policy

import pytest
from sqlalchemy import select

from shop.application import Forbidden, Invalid
from shop.application.messaging.senders import (
    ConsoleSender,
    FileSender,
    OutgoingMessage,
    SmtpSender,
    senders_from_settings,
)
from shop.application.messaging.service import MAX_ATTEMPTS, OutboxService
from shop.data.models import AuditEntry, OutboxMessage
from shop.presentation import cli
from tests.accounts_support import unit


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.mail.sender": "file", "shop.mail.directory": str(tmp_path / "mail"),
            "shop.sms.sender": "file", "shop.sms.directory": str(tmp_path / "sms"),
            "shop.smtp.from": "shop@example.com"}


class Recorder:
    """A sender that keeps what it was given and fails for the addresses in ``broken``."""

    def __init__(self, broken=()):
        self.sent, self.broken, self.batches = [], set(broken), 0

    def __enter__(self):
        self.batches += 1
        return self

    def __exit__(self, *exc):
        return None

    def send(self, message):
        if message.recipient in self.broken:
            raise ConnectionRefusedError("gateway down")
        self.sent.append(message)


def _rows(shop):
    with unit(shop) as uow:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        uow.session.expunge_all()
        return rows


def test_messages_are_queued_in_the_callers_transaction(shop):
    with unit(shop) as uow:
        uow.outbox.queue("email", "a@example.com", "Hello", "Body")
    with pytest.raises(RuntimeError), unit(shop) as uow:
        uow.outbox.queue("sms", "+8613800138000", "", "rolled back")
        raise RuntimeError("the caller failed")
    assert [(r.channel, r.recipient) for r in _rows(shop)] == [("email", "a@example.com")]


def test_an_unknown_channel_is_a_programming_error(shop):
    with unit(shop) as uow, pytest.raises(ValueError):
        uow.outbox.queue("pigeon", "x", "", "")


def test_deliver_pending_marks_sent_and_keeps_failures_for_retry(shop, system):
    with unit(shop) as uow:
        for recipient in ("a@example.com", "down@example.com", "b@example.com"):
            uow.outbox.queue("email", recipient, "Hi", f"to {recipient}")
        uow.outbox.queue("sms", "+8613800138000", "", "code 123456")
    mail, sms = Recorder(broken={"down@example.com"}), Recorder()
    outbox = OutboxService(system, senders=lambda: {"email": mail, "sms": sms})
    report = outbox.deliver_pending(limit=10)
    assert (report.sent, report.failed) == (3, 1)
    assert [m.recipient for m in mail.sent] == ["a@example.com", "b@example.com"]
    assert [m.body for m in sms.sent] == ["code 123456"]
    assert mail.batches == 1  # one connection for the batch
    system.session.flush()
    rows = {r.recipient: r for r in system.session.scalars(select(OutboxMessage))}
    assert rows["a@example.com"].sent_at is not None
    failed = rows["down@example.com"]
    assert failed.sent_at is None and failed.attempts == 1
    assert "gateway down" in failed.last_error
    # Only the failed one is tried again, and only until it has failed MAX_ATTEMPTS times.
    for _ in range(MAX_ATTEMPTS + 2):
        outbox.deliver_pending()
    system.session.expire_all()
    assert system.session.get(OutboxMessage, failed.id).attempts == MAX_ATTEMPTS
    assert len(mail.sent) == 2
    entry = system.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "messaging.outbox.deliver").order_by(AuditEntry.id)).first()
    assert entry.after == {"sent": 3, "failed": 1}


def test_delivery_is_limited_per_call(shop, system):
    with unit(shop) as uow:
        for n in range(5):
            uow.outbox.queue("sms", f"+86138001380{n:02d}", "", "hello")
    sms = Recorder()
    outbox = OutboxService(system, senders=lambda: {"sms": sms})
    assert outbox.deliver_pending(limit=2).sent == 2
    assert outbox.deliver_pending(limit=10).sent == 3
    assert outbox.deliver_pending(limit=10).sent == 0


def test_only_trusted_callers_deliver(shop):
    with unit(shop) as uow, pytest.raises(Forbidden):
        uow.outbox.deliver_pending()


def test_file_senders_write_eml_and_text(shop, system, tmp_path):
    with unit(shop) as uow:
        email_id = uow.outbox.queue("email", "li@example.com", "注册验证码", "验证码 123456")
        sms_id = uow.outbox.queue("sms", "+8613800138000", "", "验证码 654321")
    report = system.outbox.deliver_pending()
    assert (report.sent, report.failed) == (2, 0)
    eml = (tmp_path / "mail" / f"{email_id:08d}.eml").read_bytes()
    parsed = email.message_from_bytes(eml, policy=policy.default)
    assert parsed["To"] == "li@example.com" and parsed["Subject"] == "注册验证码"
    assert parsed["From"] == "shop@example.com"
    assert "验证码 123456" in parsed.get_content()
    text = (tmp_path / "sms" / f"{sms_id:08d}.txt").read_text(encoding="utf-8")
    assert "+8613800138000" in text and "验证码 654321" in text


def test_console_sender_prints():
    stream = io.StringIO()
    with ConsoleSender(stream) as sender:
        sender.send(OutgoingMessage(7, "sms", "+8613800138000", "", "code 123456"))
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
        message_id = uow.outbox.queue("sms", "+8613800138000", "", "hello")
    assert cli.outbox_deliver(shop, argparse.Namespace(limit=10, every=0)) == 0
    assert "1 sent, 0 failed" in capsys.readouterr().out
    assert (tmp_path / "sms" / f"{message_id:08d}.txt").exists()
    args = cli.parser().parse_args(["x.ini", "outbox", "deliver", "--limit", "5"])
    assert (args.handler, args.limit, args.every) == (cli.outbox_deliver, 5, 0)
