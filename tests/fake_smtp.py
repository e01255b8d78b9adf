"""A tiny SMTP server on 127.0.0.1 for the tests: enough of RFC 5321 for ``smtplib`` (EHLO,
AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeping what it received."""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class Mailbox:
    user: str = "shop"
    password: str = "s3cret"
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    messages: list[Received] = field(default_factory=list)
    connections: int = 0
    logins: list[str] = field(default_factory=list)
    #: Called with each recipient before it is answered (a test can make the server slow
    #: there, before the message is accepted).
    on_rcpt: Callable[[str], None] | None = None


class _Handler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox  # type: ignore[attr-defined]
        box.connections += 1
        self.reply("220 fake.test ESMTP ready")
        sender, recipients, authed = "", [], False
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-fake.test")
                self.reply("250-AUTH PLAIN")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 fake.test")
            elif verb == "AUTH":
                mechanism, _, initial = argument.partition(" ")
                _, user, password = base64.b64decode(initial).decode().split("\0")
                if mechanism.upper() == "PLAIN" and (user, password) == (box.user, box.password):
                    authed = True
                    box.logins.append(user)
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication failed")
            elif verb == "MAIL":
                if box.user and not authed:
                    self.reply("530 5.7.0 Authentication required")
                    continue
                sender, recipients = argument.split(":", 1)[1].split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipient = argument.split(":", 1)[1].strip().strip("<>")
                if box.on_rcpt is not None:
                    box.on_rcpt(recipient)
                if recipient in box.refuse:
                    self.reply("550 5.1.1 No such user")
                else:
                    recipients.append(recipient)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                box.messages.append(Received(sender, recipients, b"".join(lines)))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def smtp_server(mailbox: Mailbox | None = None) -> Iterator[tuple[int, Mailbox]]:
    """(port, mailbox) of a server listening on 127.0.0.1 while the block runs."""
    box = mailbox or Mailbox()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.mailbox = box  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server.server_address[1], box
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
