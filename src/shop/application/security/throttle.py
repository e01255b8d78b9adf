"""Rate limits and lockouts, one implementation for shoppers and staff.

Everything guessable or costly is counted as events under a namespaced key, one table for all
(``throttle_event``)::

    login:identifier:<what was typed>   login:account:<customer id>   login:ip:<address>
    password-check:customer:<id>        staff-login:username:<name>   staff-login:ip:<address>
    code:send:destination:<address>     code:send:ip:<address>
    oauth-start:ip:<address>

A ``Rule`` is a key with a ``Limit`` ("at most N events within a window"); a caller asks the
``Throttle`` to refuse while any of its rules is reached, then counts the try. A lock therefore
expires by itself when its events age out of the window; nothing is unlocked by hand, and no rule
may look further back than ``LONGEST_WINDOW``, which is what ``purge_expired`` keeps.

A failure (a wrong password) is counted with ``count_failure``: written so that it outlives the
caller's rollback (see ``rollback_proof``). An event that only matters when the caller's work is
kept (a code that was sent) is counted with ``count`` in the unit of work.

Parallel requests: the check locks its keys until the caller's transaction ends (on PostgreSQL,
an advisory lock per key; SQLite's writer lock does it for all), so the tries of one key are
checked and counted one after the other, and the next try waits until this one's count is
visible. A failure is committed apart before the caller goes on (where the database allows), so
it is visible before the lock is released even when the caller rolls back. Without this, each
of thirty simultaneous guesses checked a count that none of the others had committed yet, and all
thirty reached the password check. A use case calls ``refuse_if_reached`` once per transaction,
so no two transactions hold some of each other's keys.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shop.application.errors import ShopError
from shop.application.i18n import _
from shop.application.security.rollback_proof import write_rollback_proof
from shop.data.models.throttle import KEY_LENGTH
from shop.data.repositories.throttle import ThrottleRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: No rule looks back further; events older than this are purged.
LONGEST_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.count < 1 or not timedelta(0) < self.window <= LONGEST_WINDOW:
            raise ValueError(f"a limit counts at least one event within at most "
                             f"{LONGEST_WINDOW}, not {self.count} in {self.window}")

    def blocked_until(self, recent: Sequence[datetime], now: datetime) -> datetime | None:
        """When the next event is allowed again, or None if it is allowed now.

        ``recent`` are the times of earlier events, newest first; at least ``count`` of them
        are needed to tell (callers read that many).
        """
        inside = [at for at in recent if at > now - self.window]
        if len(inside) < self.count:
            return None
        return inside[self.count - 1] + self.window


@dataclass(frozen=True)
class Rule:
    """A namespaced key and its limit; ``scope`` names it in audit entries ("identifier")."""

    key: str
    limit: Limit
    scope: str

    def __post_init__(self) -> None:
        # Keys hold what a visitor typed: cut to the column, never refused for its length.
        object.__setattr__(self, "key", self.key[:KEY_LENGTH])


@dataclass(frozen=True)
class LockAudit:
    """The audit entry written when a failure starts a lock (``scope`` and ``until`` are added)."""

    action: str
    entity_type: str
    entity_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


#: Builds the visitor's message from the wait in seconds and in (rounded up) minutes.
MessageFactory = Callable[[int, int], object]


def wait_minutes(seconds: int, minutes: int) -> object:
    return _("Too many attempts; try again in ${minutes} minutes", mapping={"minutes": minutes})


class Throttled(ShopError):
    """Too many tries: the caller must wait ``retry_after`` seconds (shown to the visitor)."""

    def __init__(self, retry_after: timedelta, message: MessageFactory = wait_minutes) -> None:
        self.retry_after = max(1, math.ceil(retry_after.total_seconds()))
        self.message = message(self.retry_after, math.ceil(self.retry_after / 60))
        super().__init__(f"throttled for {self.retry_after} s")


class Throttle:
    """Checks, counts and clears events for the rules of one use case."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = ThrottleRepository(uow._session)

    def refuse_if_reached(self, rules: Iterable[Rule],
                          message: MessageFactory = wait_minutes) -> None:
        """Raise ``Throttled`` if any rule's limit is reached, with the longest wait.

        The rules' keys stay locked until the caller's transaction ends, so that a parallel try
        of the same key waits for this one to be counted.
        """
        rules = list(rules)
        self.repo.serialize(rule.key for rule in rules)
        now = self.uow.clock.now()
        until = [u for rule, recent in _recent(self.repo, rules, now)
                 if (u := rule.limit.blocked_until(recent, now))]
        if until:
            raise Throttled(max(until) - now, message)

    def count(self, rules: Iterable[Rule]) -> None:
        """One event per rule, in the unit of work (gone if the caller's work rolls back)."""
        self.repo.add((rule.key for rule in rules), self.uow.clock.now())

    def count_failure(self, rules: Iterable[Rule], lock_audit: LockAudit | None = None) -> None:
        """One failure per rule, kept whatever becomes of the caller's transaction.

        With ``lock_audit``, the failure that makes a rule's count reach its limit (so the next
        try is refused) also writes that audit entry, once per lock.
        """
        write = _CountFailure(tuple(rules), self.uow.clock.now(), lock_audit)
        write_rollback_proof(self.uow, write)

    def clear(self, rules: Iterable[Rule]) -> None:
        """Forget the rules' events (a success clears the count of what it proved)."""
        self.repo.clear(rule.key for rule in rules)

    def purge_expired(self, limit: int) -> int:
        """Delete up to ``limit`` events no rule can count any more; how many. A job runs it."""
        return self.repo.delete_before(self.uow.clock.now() - LONGEST_WINDOW, limit)


def _recent(repo: ThrottleRepository, rules: Iterable[Rule],
            now: datetime) -> list[tuple[Rule, Sequence[datetime]]]:
    """Each rule with its key's latest events: one query per key, however many rules share it."""
    rules = list(rules)
    wanted: dict[str, tuple[int, timedelta]] = {}
    for rule in rules:
        count, window = wanted.get(rule.key, (0, timedelta(0)))
        wanted[rule.key] = (max(count, rule.limit.count), max(window, rule.limit.window))
    events = {key: repo.latest(key, now - window, count)
              for key, (count, window) in wanted.items()}
    return [(rule, events[rule.key]) for rule in rules]


@dataclass(frozen=True)
class _CountFailure:
    """The rollback-proof write of ``count_failure``: the events, and the audit of a new lock."""

    rules: tuple[Rule, ...]
    at: datetime
    lock_audit: LockAudit | None

    def __call__(self, uow: UnitOfWork) -> None:
        repo = ThrottleRepository(uow._session)
        repo.add((rule.key for rule in self.rules), self.at)
        if self.lock_audit is None:
            return
        for rule in self.rules:
            limit = rule.limit
            # One more than the limit is read, so that a count already past it (two tries that
            # raced past the check) is not taken for the start of a lock.
            inside = repo.latest(rule.key, self.at - limit.window, limit.count + 1)
            # Refused tries are not counted, so a key reaches its limit once per lock: this
            # failure is the one that starts it.
            if len(inside) == limit.count:
                audit = self.lock_audit
                uow._audit.record(audit.action, audit.entity_type, audit.entity_id, after={
                    **audit.details, "scope": rule.scope, "until": inside[-1] + limit.window})
