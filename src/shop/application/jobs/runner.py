"""The in-process engine: runs each job when it is due by the shop's clock.

``make run`` needs nothing else: with ``shop.jobs.in_process = true`` the web process starts
one runner in a daemon thread, and ``shop-admin INI jobs run`` runs one in the foreground.
Several runners (several web processes, or a console beside them) are safe: every job is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shop.application.jobs.catalog import JOBS, Job

if TYPE_CHECKING:
    from shop.application import Shop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobOutcome:
    job: str
    #: The job's counts, or None when it raised.
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class JobRunner:
    shop: Shop
    jobs: Sequence[Job] = JOBS
    #: When each job is next due; a job not in it is due now.
    due: dict[str, datetime] = field(default_factory=dict)

    def run_due(self) -> list[JobOutcome]:
        """Run every job whose time has come, and schedule its next run."""
        outcomes = []
        for job in self.jobs:
            now = self.shop.clock.now()
            if self.due.get(job.name, now) <= now:
                outcomes.append(self.run(job))
                self.due[job.name] = now + job.every
        return outcomes

    def run_all(self) -> list[JobOutcome]:
        """Run every job once, due or not (``jobs run --once``)."""
        return [self.run(job) for job in self.jobs]

    def run(self, job: Job) -> JobOutcome:
        """One run; an error is logged and reported, never raised: the next run comes anyway."""
        try:
            result = job.run(self.shop)
        except Exception as exc:  # a job failing must not stop the others or the thread
            log.exception("job %s failed", job.name)
            return JobOutcome(job.name, error=f"{type(exc).__name__}: {exc}")
        if _did_something(result):
            log.info("job %s: %s", job.name, result)
        return JobOutcome(job.name, result)

    def run_until(self, stop: threading.Event, tick: float = 1.0) -> None:
        """Run due jobs every ``tick`` seconds until ``stop`` is set."""
        while not stop.is_set():
            self.run_due()
            stop.wait(tick)

    def start_thread(self, tick: float = 1.0) -> JobThread:
        """Run in a daemon thread, which dies with the process or when told to stop."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run_until, args=(stop, tick), name="shop-jobs",
                                  daemon=True)
        thread.start()
        return JobThread(stop, thread)


def _did_something(counts: Any) -> bool:
    """Whether a job's counts (numbers, or mappings of them) are not all zero."""
    if isinstance(counts, Mapping):
        return any(_did_something(value) for value in counts.values())
    return bool(counts)


@dataclass(frozen=True)
class JobThread:
    stop_event: threading.Event
    thread: threading.Thread

    def stop(self, timeout: float = 30) -> None:
        """Stop after the job running now (if any) has finished."""
        self.stop_event.set()
        self.thread.join(timeout)
