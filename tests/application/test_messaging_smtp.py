"""The SMTP sender speaks real SMTP: checked against a small server on 127.0.0.1."""

from __future__ import annotations

import email
import smtplib
from datetime import UTC, datetime
from email import policy

import pytest
from sqlalchemy import select

from shop.application.messaging.delivery import deliver_messages
from shop.application.messaging.senders import OutgoingMessage, SmtpSender
from shop.data.models import OutboxMessage
from tests.accounts_support import unit
from tests.fake_smtp import Mailbox, smtp_server

NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _sender(port, **kw):
    return SmtpSender("127.0.0.1", port, sender="shop@example.com", timeout=5, **kw)


def test_messages_go_out_over_one_authenticated_connection():
    with smtp_server() as (port, box), _sender(port, user="shop", password="s3cret") as sender:
        sender.send(OutgoingMessage(1, "email", "li@example.com", "重设密码",
                                    "请打开链接：https://shop.example/account/reset/abc", NOON))
        sender.send(OutgoingMessage(2, "email", "wang@example.com", "Hello", "Second", NOON))
    assert box.connections == 1 and box.logins == ["shop"]
    first, second = box.messages
    assert (first.sender, first.recipients) == ("shop@example.com", ["li@example.com"])
    parsed = email.message_from_bytes(first.data, policy=policy.default)
    assert parsed["Subject"] == "重设密码" and parsed["To"] == "li@example.com"
    assert parsed["Message-ID"].endswith("@example.com>")
    assert parsed["Date"].datetime == NOON  # the message's: the shop's clock
    assert "https://shop.example/account/reset/abc" in parsed.get_content()
    assert second.recipients == ["wang@example.com"]


def test_a_refused_recipient_raises_and_the_next_message_still_goes():
    box = Mailbox(user="", refuse={"gone@example.com"})
    with smtp_server(box) as (port, _), _sender(port) as sender:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            sender.send(OutgoingMessage(1, "email", "gone@example.com", "x", "y", NOON))
        sender.send(OutgoingMessage(2, "email", "here@example.com", "x", "y", NOON))
    assert [m.recipients for m in box.messages] == [["here@example.com"]]


def test_wrong_credentials_fail():
    with (smtp_server() as (port, _box), _sender(port, user="shop", password="nope") as sender,
          pytest.raises(smtplib.SMTPAuthenticationError)):
        sender.send(OutgoingMessage(1, "email", "li@example.com", "x", "y", NOON))


def test_header_injection_is_refused():
    with (smtp_server(Mailbox(user="")) as (port, box), _sender(port) as sender,
          pytest.raises(ValueError)):
        sender.send(OutgoingMessage(1, "email", "li@example.com",
                                    "Hi\r\nBcc: victim@example.com", "y", NOON))
    assert box.messages == []


def test_the_outbox_delivers_through_smtp(shop, settings):
    with smtp_server() as (port, box):
        shop.settings.update({"shop.mail.sender": "smtp", "shop.smtp.host": "127.0.0.1",
                              "shop.smtp.port": str(port), "shop.smtp.user": "shop",
                              "shop.smtp.password": "s3cret",
                              "shop.smtp.from": "shop@example.com"})
        with unit(shop) as uow:
            uow._outbox.queue("email", "li@example.com", "Your code", "123456")
        report = deliver_messages(shop)
    assert (report.sent, report.failed) == (1, 0)
    assert box.messages[0].recipients == ["li@example.com"]
    with unit(shop) as uow:
        [row] = uow._session.scalars(select(OutboxMessage)).all()
        assert (row.state, row.sent_at) == ("done", shop.clock.now())
