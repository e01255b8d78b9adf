"""Celery on RabbitMQ, for real: a worker process killed with SIGKILL in the middle of a batch
loses no message and sends none twice; the next worker finishes the batch once its lease runs
out.

It needs PostgreSQL (``SHOP_TEST_DATABASE_URL``; the worker is another process, so it cannot
share the tests' rolled-back connection) and RabbitMQ (``SHOP_TEST_BROKER_URL``, default
amqp://guest:guest@127.0.0.1:5672//). Without either it is skipped with the reason; with
``SHOP_REQUIRE_BROKER=true`` (what ``make test`` sets for its Celery step) it fails instead.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shop.application import Shop
from shop.data.models import OutboxMessage
from shop.presentation.worker import make_celery
from tests.committed import cleaned
from tests.fake_smtp import Mailbox, smtp_server

pytestmark = pytest.mark.celery

BROKER = os.environ.get("SHOP_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
CELERY = Path(sys.executable).parent / "celery"
LEASE_SECONDS = 10
SMTP_TIMEOUT = 3  # a lease must outlast three: no send starts in its last third
MESSAGES = 8
KILL_AT = 4  # the worker dies while the server holds the 4th message, before accepting it


def _unavailable(reason: str) -> None:
    if os.environ.get("SHOP_REQUIRE_BROKER", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def broker():
    import kombu

    try:
        with kombu.Connection(BROKER, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # any reason the broker is unreachable
        _unavailable(f"RabbitMQ at {BROKER} is not reachable ({exc})")
    return BROKER


@pytest.fixture
def postgres(database_url):
    if not database_url.startswith("postgresql"):
        _unavailable("the Celery worker test needs PostgreSQL (set SHOP_TEST_DATABASE_URL)")
    return database_url


@pytest.fixture
def worker_settings(postgres, broker, tmp_path):
    return {"sqlalchemy.url": postgres, "shop.jobs.broker_url": broker,
            "shop.jobs.queue": f"shop-test-{uuid.uuid4().hex[:12]}",
            "shop.jobs.lease_seconds": str(LEASE_SECONDS),
            "shop.jobs.beat_schedule_file": str(tmp_path / "beat"),
            "shop.mail.sender": "smtp", "shop.smtp.host": "127.0.0.1",
            "shop.smtp.user": "shop", "shop.smtp.password": "s3cret",
            "shop.smtp.from": "shop@example.com", "shop.smtp.timeout": str(SMTP_TIMEOUT)}


@pytest.fixture
def celery_app(worker_settings):
    app = make_celery(worker_settings)
    yield app
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(worker_settings["shop.jobs.queue"])


class Worker:
    """``celery worker`` in its own process group, so that SIGKILL takes it all at once."""

    def __init__(self, ini: Path, log: Path) -> None:
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [str(CELERY), "-A", "shop.presentation.worker", "worker", "--pool", "prefork",
             "--concurrency", "1", "--loglevel", "INFO", "--without-heartbeat",
             "--without-gossip", "--without-mingle"],
            env={**os.environ, "SHOP_INI": str(ini)}, stdout=self.log, stderr=self.log,
            start_new_session=True)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        self.log.close()


def _ini(path: Path, settings: dict[str, str]) -> Path:
    lines = ["[app:main]", "use = egg:shop", *(f"{k} = {v}" for k, v in settings.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait(condition, seconds: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        time.sleep(every)


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
        engine, worker_settings, celery_app, tmp_path):
    held, release, rcpts = threading.Event(), threading.Event(), []

    def slow_server(recipient: str) -> None:
        rcpts.append(recipient)
        if len(rcpts) == KILL_AT:
            held.set()  # the worker is waiting for our answer: kill it now
            release.wait(60)

    with cleaned(engine), smtp_server(Mailbox(on_rcpt=slow_server)) as (port, box):
        settings = {**worker_settings, "shop.smtp.port": str(port)}
        ini = _ini(tmp_path / "worker.ini", settings)
        shop = Shop.from_settings(settings)
        with shop.transaction() as tx:
            ids = [tx._outbox.queue("email", f"m{n}@example.com", "Hi", f"message {n}")
                   for n in range(MESSAGES)]

        first = Worker(ini, tmp_path / "worker.log")
        try:
            celery_app.send_task("shop.jobs.deliver-messages")
            _wait(held.is_set, 60, "the first worker to reach the 4th message")
        finally:
            first.kill()
            release.set()
        assert len(box.messages) == KILL_AT - 1
        assert _states(shop) == {"done": KILL_AT - 1, "pending": MESSAGES - KILL_AT + 1}

        second = Worker(ini, tmp_path / "worker.log")
        try:
            def delivered() -> bool:
                celery_app.send_task("shop.jobs.deliver-messages")
                return _states(shop) == {"done": MESSAGES}
            _wait(delivered, 90, "the second worker to deliver the rest", every=1)
        finally:
            second.kill()
        shop.dispose()

    received = [email.message_from_bytes(m.data, policy=policy.default) for m in box.messages]
    assert sorted(r["To"] for r in received) == sorted(f"m{n}@example.com"
                                                       for n in range(MESSAGES))
    assert sorted(str(r["Message-ID"]).split(".")[0] for r in received) == sorted(
        f"<outbox-{i}" for i in ids)


def _states(shop: Shop) -> dict[str, int]:
    with shop.transaction(writes=False) as tx:
        return dict(tx._session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
