"""The embedded default: with ``shop.jobs.in_process = true`` the web app runs the jobs itself,
in a background thread, so ``make run`` needs no worker."""

from __future__ import annotations

import time

from sqlalchemy import select

from shop.application import Shop
from shop.data.models import OutboxMessage
from shop.presentation import make_app
from tests.committed import cleaned


def test_the_web_app_runs_the_jobs_in_a_thread_when_told_to(engine, settings, clock, tmp_path):
    settings = {**settings, "shop.jobs.in_process": "true", "shop.sms.sender": "file",
                "shop.sms.directory": str(tmp_path)}
    with cleaned(engine):
        shop = Shop(engine, settings, clock=clock)
        with shop.transaction() as tx:
            message_id = tx._outbox.queue("sms", "+8613800138000", "", "hello")
        app = make_app(settings, shop=shop)
        try:
            deadline = time.monotonic() + 20
            while _state(shop) != "done":
                assert time.monotonic() < deadline, "the job thread never sent the message"
                time.sleep(0.05)
        finally:
            app.registry.shop_jobs.stop()
        assert not app.registry.shop_jobs.thread.is_alive()
        assert (tmp_path / f"{message_id:08d}.txt").exists()


def _state(shop):
    with shop.transaction(writes=False) as tx:
        return tx._session.scalar(select(OutboxMessage.state))


def test_without_the_setting_no_thread_is_started(shop, settings):
    app = make_app(settings, shop=shop)
    assert not hasattr(app.registry, "shop_jobs")
