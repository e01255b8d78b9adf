"""The jobs' settings, read and checked in one place.

    shop.jobs.in_process = true       # the web process runs the jobs in a thread (development)
    shop.jobs.lease_seconds = 300     # how long a worker's claim on a batch lasts
    shop.jobs.retention_days = 30     # delivered messages, handled events
    shop.jobs.broker_url = amqp://guest:guest@127.0.0.1:5672//   # Celery (production)
    shop.jobs.queue = shop-jobs       # the Celery queue the shop's tasks go to

A lease must be at least three times the SMTP timeout (``shop.smtp.timeout``, 30 s) when mail
goes by SMTP: no send starts in a lease's last third, so that third must outlast any one send.

A delivered message is kept for the retention days without its body (which may hold a code or
a reset link; see ``shop.data.repositories.messaging``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shop.application.errors import Invalid
from shop.application.messaging.senders import send_timeout

DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"


@dataclass(frozen=True)
class JobSettings:
    in_process: bool
    lease: timedelta
    retention: timedelta
    broker_url: str
    queue: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> JobSettings:
        return cls(
            in_process=str(settings.get("shop.jobs.in_process", "false")).strip().lower()
            in ("1", "true", "yes", "on"),
            lease=_lease(settings),
            retention=timedelta(days=_whole(settings, "shop.jobs.retention_days", 30, least=1)),
            broker_url=str(settings.get("shop.jobs.broker_url") or DEFAULT_BROKER),
            queue=str(settings.get("shop.jobs.queue") or "shop-jobs"))


def _lease(settings: Mapping[str, Any]) -> timedelta:
    lease = timedelta(seconds=_whole(settings, "shop.jobs.lease_seconds", 300, least=10))
    timeout = send_timeout(settings)
    if timeout is not None and lease < timedelta(seconds=3 * timeout[1]):
        name, seconds = timeout
        raise Invalid({"shop.jobs.lease_seconds": f"at least three times {name} ({seconds:g} s), "
                                                  f"not {lease.total_seconds():g}"})
    return lease


def _whole(settings: Mapping[str, Any], key: str, default: int, *, least: int) -> int:
    raw = settings.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Invalid({key: f"a whole number, not {raw!r}"}) from None
    if value < least:
        raise Invalid({key: f"at least {least}, not {value}"})
    return value
