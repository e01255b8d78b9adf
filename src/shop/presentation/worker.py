"""Celery on RabbitMQ: how the shop's jobs run in production.

Celery is one more way programs reach the shop, like the web pages and ``shop-admin``: each job
of ``shop.application.jobs.catalog`` becomes a task, and beat starts each on its schedule::

    SHOP_INI=production.ini celery -A shop.presentation.worker worker --concurrency 2
    SHOP_INI=production.ini celery -A shop.presentation.worker beat

Run any number of workers and exactly one beat. A task only says "run this job now": the work
itself (which messages, which events) is in the database, leased row by row, so a task that is
lost, run twice, or killed with its worker loses nothing and does nothing twice (see
``shop.application.messaging.delivery`` for the one window). The broker is
``shop.jobs.broker_url`` (default ``amqp://guest:guest@127.0.0.1:5672//``), the queue
``shop.jobs.queue``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from celery import Celery

from shop.application import Shop
from shop.application.jobs.catalog import JOBS, Job
from shop.application.jobs.settings import JobSettings
from shop.presentation.settings import load_settings

INI_VARIABLE = "SHOP_INI"


def task_name(job: Job) -> str:
    return f"shop.jobs.{job.name}"


class ShopPerProcess:
    """One ``Shop`` (one connection pool) per worker process, made in that process: a pool
    must not cross the fork that starts Celery's pool processes."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        self._shop: Shop | None = None
        self._pid = 0

    def __call__(self) -> Shop:
        if self._shop is None or self._pid != os.getpid():
            self._shop, self._pid = Shop.from_settings(self.settings), os.getpid()
        return self._shop


def make_celery(settings: Mapping[str, Any]) -> Celery:
    """The Celery app for a shop with ``settings``: one task per job, beat's schedule."""
    jobs = JobSettings.from_settings(settings)
    app = Celery("shop", broker=jobs.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=jobs.queue,
        # A task is acknowledged after it ran, and one whose worker died goes back to the
        # queue; each worker process takes one task at a time.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        enable_utc=True,
        timezone="UTC",
        beat_schedule_filename=str(settings.get("shop.jobs.beat_schedule_file")
                                   or "var/celerybeat-schedule"),
        # A start that waited longer than its interval is dropped: the next one is on its way.
        beat_schedule={job.name: {"task": task_name(job),
                                  "schedule": job.every.total_seconds(),
                                  "options": {"expires": job.every.total_seconds()}}
                       for job in JOBS},
    )
    shop = ShopPerProcess(settings)
    for job in JOBS:
        app.task(name=task_name(job))(_runner(job, shop))
    return app


def _runner(job: Job, shop: Callable[[], Shop]) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        return job.run(shop())

    run.__name__ = run.__qualname__ = job.name.replace("-", "_")
    run.__doc__ = job.summary
    return run


_apps: dict[str, Celery] = {}


def __getattr__(name: str) -> Celery:
    """``app``, what ``celery -A shop.presentation.worker`` looks for: made on first use from
    the ini file named by ``SHOP_INI`` (importing this module needs no settings)."""
    if name != "app":
        raise AttributeError(name)
    ini = os.environ.get(INI_VARIABLE)
    if not ini:
        raise RuntimeError(f"set {INI_VARIABLE} to the shop's ini file, e.g. "
                           f"{INI_VARIABLE}=production.ini celery -A shop.presentation.worker "
                           "worker")
    if ini not in _apps:
        _apps[ini] = make_celery(load_settings(ini))
    return _apps[ini]
