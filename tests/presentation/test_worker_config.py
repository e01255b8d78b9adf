"""The Celery app's configuration (no broker needed): one task per job, beat's schedule, the
delivery settings the kill test relies on, and the settings it is built from."""

from __future__ import annotations

import pytest

from shop.application.jobs.catalog import JOBS
from shop.presentation import worker
from shop.presentation.settings import with_environment


def test_every_job_is_a_task_that_beat_starts_on_its_schedule():
    app = worker.make_celery({"shop.jobs.broker_url": "amqp://u:p@mq.internal:5672//",
                              "shop.jobs.queue": "shop-a"})
    names = {f"shop.jobs.{job.name}" for job in JOBS}
    assert names <= set(app.tasks)
    assert {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()} == {
        f"shop.jobs.{job.name}": job.every.total_seconds() for job in JOBS}
    assert app.conf.broker_url == "amqp://u:p@mq.internal:5672//"
    assert app.conf.task_default_queue == "shop-a"
    # Acknowledged after running, requeued if the worker dies, one task per process at a time.
    assert (app.conf.task_acks_late, app.conf.task_reject_on_worker_lost,
            app.conf.worker_prefetch_multiplier) == (True, True, 1)


def test_the_command_line_app_needs_the_ini_file(monkeypatch):
    monkeypatch.delenv(worker.INI_VARIABLE, raising=False)
    with pytest.raises(RuntimeError, match="set SHOP_INI"):
        worker.app  # noqa: B018 (what `celery -A shop.presentation.worker` reads)


def test_the_broker_url_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHOP_BROKER_URL", "amqp://shop:secret@mq.internal//")
    assert with_environment({"shop.jobs.broker_url": "amqp://guest:guest@127.0.0.1//"})[
        "shop.jobs.broker_url"] == "amqp://shop:secret@mq.internal//"
