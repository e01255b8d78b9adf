"""Senders for the delivery tests: one that records what it was given (and fails on demand),
and one that moves the shop's clock as it sends, like a slow SMTP server would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shop.application.clock import ManualClock


class Recorder:
    """Keeps what it was given; raises for recipients in ``broken``; counts batches."""

    def __init__(self, broken: Any = ()) -> None:
        self.sent: list[Any] = []
        self.broken = set(broken)
        self.batches = 0

    def __enter__(self) -> Recorder:
        self.batches += 1
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Any) -> None:
        if message.recipient in self.broken:
            raise ConnectionRefusedError("gateway down")
        self.sent.append(message)


class SlowRecorder(Recorder):
    """A recorder whose every send takes ``each`` of the shop's time."""

    def __init__(self, clock: ManualClock, each: timedelta) -> None:
        super().__init__()
        self.clock, self.each = clock, each

    def send(self, message: Any) -> None:
        self.clock.advance(self.each)
        super().send(message)
