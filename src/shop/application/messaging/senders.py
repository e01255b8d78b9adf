"""How a queued message leaves the shop, per channel, chosen by settings.

    shop.mail.sender = console | file | smtp     (default console)
    shop.sms.sender  = console | file            (default console)
    shop.mail.directory, shop.sms.directory      (file senders; default var/mail, var/sms)
    shop.smtp.host, .port, .user, .password, .from, .starttls, .timeout

Console and file senders are for development: a developer reads the code on the terminal or in
a file. SMTP speaks to a real mail server with ``smtplib``. An SMS gateway is an outside service
(usually one per merchant contract); its adapter plugs in here as another ``Sender``.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO, TypeVar

from shop.application.errors import Invalid

Number = TypeVar("Number", int, float)


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    channel: str  # "email" or "sms"
    recipient: str
    subject: str
    body: str
    #: When the shop hands it over, by the shop's clock (an email's Date header).
    date: datetime


class Sender(Protocol):
    """Delivers messages of one channel; used as a context manager around one batch."""

    def __enter__(self) -> Sender: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def send(self, message: OutgoingMessage) -> None:
        """Deliver or raise; a raised error leaves the message queued for another try."""


class _NoConnection:
    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class ConsoleSender(_NoConnection):
    """Prints each message (development: the code shows on the terminal running the job)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: OutgoingMessage) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"--- {message.channel} #{message.id} to {message.recipient}"
                     f"{': ' + message.subject if message.subject else ''}\n{message.body}\n")
        stream.flush()


class FileSender(_NoConnection):
    """Writes each message as a file: an RFC 5322 ``.eml`` for email, ``.txt`` for SMS."""

    def __init__(self, directory: str | Path, sender: str = "shop@localhost") -> None:
        self.directory = Path(directory)
        self.sender = sender

    def send(self, message: OutgoingMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if message.channel == "email":
            data = email_message(message, self.sender).as_bytes()
            (self.directory / f"{message.id:08d}.eml").write_bytes(data)
        else:
            text = f"To: {message.recipient}\n\n{message.body}\n"
            (self.directory / f"{message.id:08d}.txt").write_text(text, encoding="utf-8")


class SmtpSender:
    """Email through an SMTP server: one connection per batch, STARTTLS and login if set."""

    def __init__(self, host: str, port: int = 25, *, sender: str, user: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 30,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls = user, password, starttls
        self.timeout, self.ssl_context = timeout, ssl_context
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def send(self, message: OutgoingMessage) -> None:
        try:
            self._connection().send_message(email_message(message, self.sender))
        except (smtplib.SMTPServerDisconnected, OSError):
            self._close()  # the next message opens a fresh connection
            raise

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def email_message(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The message as RFC 5322 text (the email package refuses line breaks in headers)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.date, usegmt=True)
    email["Message-ID"] = message_id(message, sender)
    email.set_content(message.body)
    return email


def message_id(message: OutgoingMessage, sender: str) -> str:
    """The same for every send of one outbox message, so that if a crash makes the outbox send
    it twice (see ``delivery.py``), mail systems and readers can tell the copies are one."""
    digest = hashlib.sha256("\0".join((str(message.id), message.recipient, message.subject,
                                        message.body)).encode()).hexdigest()[:20]
    return f"<outbox-{message.id}.{digest}@{sender.rpartition('@')[2] or 'localhost'}>"


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _number(settings: Mapping[str, Any], key: str, default: Number, *, least: Number) -> Number:
    """A numeric setting of ``default``'s type; ``Invalid`` names it when it is not one."""
    raw = settings.get(key, default)
    try:
        value = type(default)(raw)
    except (TypeError, ValueError):
        raise Invalid({key: f"a number, not {raw!r}"}) from None
    if not value >= least:  # also refuses NaN
        raise Invalid({key: f"at least {least}, not {raw!r}"})
    return value


def smtp_timeout(settings: Mapping[str, Any]) -> float:
    """Seconds an SMTP connection waits for the server (``shop.smtp.timeout``, default 30)."""
    return _number(settings, "shop.smtp.timeout", 30.0, least=1.0)


def send_timeout(settings: Mapping[str, Any]) -> tuple[str, float] | None:
    """The setting that bounds how long one send may wait for a server, and its seconds; None
    when the chosen senders wait for none (console and file senders)."""
    if str(settings.get("shop.mail.sender", "console")).strip() == "smtp":
        return "shop.smtp.timeout", smtp_timeout(settings)
    return None


def senders_from_settings(settings: Mapping[str, Any]) -> dict[str, Sender]:
    """One sender per channel ("email", "sms"), as the settings choose; ``Invalid`` names a
    setting that is wrong."""
    sender_address = settings.get("shop.smtp.from") or "shop@localhost"
    mail = str(settings.get("shop.mail.sender", "console")).strip()
    sms = str(settings.get("shop.sms.sender", "console")).strip()
    senders: dict[str, Sender] = {}
    if mail == "smtp":
        senders["email"] = SmtpSender(
            str(settings.get("shop.smtp.host", "localhost")),
            _number(settings, "shop.smtp.port", 25, least=1), sender=sender_address,
            user=settings.get("shop.smtp.user") or None,
            password=settings.get("shop.smtp.password") or None,
            starttls=_flag(settings.get("shop.smtp.starttls", "false")),
            timeout=smtp_timeout(settings))
    elif mail == "file":
        senders["email"] = FileSender(settings.get("shop.mail.directory", "var/mail"),
                                      sender_address)
    elif mail == "console":
        senders["email"] = ConsoleSender()
    else:
        raise Invalid({"shop.mail.sender": f"console, file or smtp, not {mail!r}"})
    if sms == "file":
        senders["sms"] = FileSender(settings.get("shop.sms.directory", "var/sms"))
    elif sms == "console":
        senders["sms"] = ConsoleSender()
    else:
        raise Invalid({"shop.sms.sender": f"console or file, not {sms!r}"})
    return senders
