"""The burst lane in Redis: each step one Lua script, so no two buyers ever see the same unit.

Keys (under ``{prefix}:flash``): per sale ``{sale}:left`` (units Redis may still admit),
``{sale}:buyers`` (units per shopper), ``{sale}:pending`` (units admitted and not yet written
or failed) and ``{sale}:stats``; the ``queue`` of tickets and the ``processing`` list a worker
moves each ticket to while it writes it (so a worker that dies leaves it there to be put back);
and a status per ticket, ``ticket:{customer}:{key}``, that the buyer's page reads.

A Redis that stops answering opens a breaker for a few seconds: the desk then sells through the
database lane without waiting on a timeout per buyer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import redis
from redis.exceptions import RedisError

from shop.application.promotions.flash.lane import (
    LaneCounts,
    LaneDown,
    Sale,
    Ticket,
    TicketState,
)

T = TypeVar("T")

#: How long the lane is left alone after Redis failed to answer.
BREAKER_SECONDS = 5.0
#: How long a command may wait for Redis's answer, and the longest a worker blocks on an empty
#: queue (less, so that an empty queue is never mistaken for a Redis that stopped answering).
SOCKET_TIMEOUT_SECONDS = 1.0
MAX_BLOCK_SECONDS = 0.5

_ADMIT = """
if redis.call('EXISTS', KEYS[5]) == 1 then return 'again' end
local left = redis.call('GET', KEYS[1])
if not left then return 'unprimed' end
local qty = tonumber(ARGV[2])
if tonumber(left) < qty then return 'sold_out' end
local limit = tonumber(ARGV[3])
if limit >= 0 and tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') + qty > limit then
  return 'limit'
end
redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[2], ARGV[1], qty)
redis.call('INCRBY', KEYS[3], qty)
redis.call('HINCRBY', KEYS[6], 'admitted', 1)
redis.call('LPUSH', KEYS[4], ARGV[4])
redis.call('SET', KEYS[5], 'queued|', 'EX', tonumber(ARGV[5]))
return 'queued'
"""

_PRIME = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local ttl = tonumber(ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('SET', KEYS[3], 0, 'EX', ttl)
redis.call('HSET', KEYS[4], 'admitted', 0, 'written', 0, 'failed', 0)
redis.call('EXPIRE', KEYS[4], ttl)
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[2], ttl)
return 1
"""

# A worker begins a ticket as soon as it takes it: its units leave ``pending`` (the database
# holds them from the order's commit on, so a sync in between may let Redis admit a unit too
# many, which the database refuses, never one too few) and the moment is noted for the books.
_BEGIN = """
redis.call('HSET', KEYS[3], ARGV[3], ARGV[2])
local status = redis.call('GET', KEYS[1])
if not status or string.sub(status, 1, 7) ~= 'queued|' then return 0 end
redis.call('SET', KEYS[1], 'writing|', 'KEEPTTL')
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('DECRBY', KEYS[2], ARGV[1]) end
return 1
"""

# Settling twice (a ticket put back and written again) changes nothing the second time, and a
# ticket from before the lane was primed again (Redis restarted) only leaves the processing list.
_SETTLE = """
redis.call('LREM', KEYS[5], 1, ARGV[5])
redis.call('HDEL', KEYS[7], ARGV[6])
local status = redis.call('GET', KEYS[1])
if not status then return 0 end
local queued = string.sub(status, 1, 7) == 'queued|'
if not queued and string.sub(status, 1, 8) ~= 'writing|' then return 0 end
local qty = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
if redis.call('EXISTS', KEYS[2]) == 0 then return 1 end
if queued then redis.call('DECRBY', KEYS[4], qty) end
if ARGV[4] == '1' then
  redis.call('INCRBY', KEYS[2], qty)
  redis.call('HINCRBY', KEYS[3], ARGV[1], -qty)
  redis.call('HINCRBY', KEYS[6], 'failed', 1)
else
  redis.call('HINCRBY', KEYS[6], 'written', 1)
end
return 1
"""

_SYNC = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local left = tonumber(ARGV[1]) - tonumber(redis.call('GET', KEYS[2]) or '0')
if left < 0 then left = 0 end
redis.call('SET', KEYS[1], left, 'KEEPTTL')
return left
"""

_REQUEUE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


class RedisLane:
    def __init__(self, client: redis.Redis, prefix: str = "shop") -> None:
        self.client = client
        self.prefix = f"{prefix}:flash"
        self._down_until = 0.0
        self._admit = client.register_script(_ADMIT)
        self._prime = client.register_script(_PRIME)
        self._begin = client.register_script(_BEGIN)
        self._settle = client.register_script(_SETTLE)
        self._sync = client.register_script(_SYNC)
        self._requeue = client.register_script(_REQUEUE)

    @classmethod
    def from_url(cls, url: str, prefix: str = "shop") -> RedisLane:
        # Short timeouts: a buyer waits on a stopped Redis for a fraction of a second, once,
        # before the breaker sends everyone to the database lane.
        return cls(redis.Redis.from_url(url, socket_connect_timeout=0.25,
                                        socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                        health_check_interval=5), prefix)

    # -- keys --------------------------------------------------------------------------------

    def _sale_keys(self, sale: Sale) -> tuple[str, str, str, str]:
        base = f"{self.prefix}:{sale.key}"
        return f"{base}:left", f"{base}:buyers", f"{base}:pending", f"{base}:stats"

    def _ticket_key(self, customer_id: int, key: str) -> str:
        return f"{self.prefix}:ticket:{customer_id}:{key}"

    @property
    def _taken(self) -> str:
        return f"{self.prefix}:taken"

    @property
    def _queue(self) -> str:
        return f"{self.prefix}:queue"

    @property
    def _processing(self) -> str:
        return f"{self.prefix}:processing"

    # -- the port ----------------------------------------------------------------------------

    def admit(self, ticket: Ticket, per_customer_limit: int | None, ttl: int) -> str:
        left, buyers, pending, stats = self._sale_keys(ticket.sale)
        return _text(self._call(lambda: self._admit(
            keys=[left, buyers, pending, self._queue,
                  self._ticket_key(ticket.customer_id, ticket.key), stats],
            args=[ticket.customer_id, ticket.quantity,
                  -1 if per_customer_limit is None else per_customer_limit,
                  ticket.dumps(), ttl])))

    def prime(self, sale: Sale, left: int, buyers: dict[int, int], ttl: int) -> bool:
        pairs = [value for customer, units in buyers.items() for value in (customer, units)]
        return bool(self._call(lambda: self._prime(
            keys=list(self._sale_keys(sale)),
            args=[left, ttl, *pairs])))

    def next(self, wait_seconds: float) -> Ticket | None:
        # Blocking for less than the socket's timeout, which would take an empty queue for a
        # Redis that stopped answering.
        wait = min(wait_seconds, MAX_BLOCK_SECONDS)
        found: Any = self._call(lambda: self.client.blmove(
            self._queue, self._processing, wait, "RIGHT", "LEFT"))  # type: ignore[arg-type]
        return Ticket.loads(found) if found is not None else None

    def begin(self, ticket: Ticket, taken_at: datetime) -> None:
        left, _buyers, pending, _stats = self._sale_keys(ticket.sale)
        self._call(partial(self._begin, keys=[
            self._ticket_key(ticket.customer_id, ticket.key), pending, self._taken, left],
            args=[ticket.quantity, taken_at.isoformat(), _field(ticket)]))

    def settle(self, ticket: Ticket, outcome: TicketState, give_back: bool) -> bool:
        left, buyers, pending, stats = self._sale_keys(ticket.sale)
        return bool(self._call(partial(self._settle, keys=[
            self._ticket_key(ticket.customer_id, ticket.key), left, buyers, pending,
            self._processing, stats, self._taken],
            args=[ticket.customer_id, ticket.quantity, f"{outcome.state}|{outcome.detail}",
                  1 if give_back else 0, ticket.dumps(), _field(ticket)])))

    def sync(self, sale: Sale, database_left: int) -> int | None:
        left, _buyers, pending, _stats = self._sale_keys(sale)
        found = int(self._call(lambda: self._sync(keys=[left, pending],
                                                  args=[database_left])))
        return None if found < 0 else found

    def state(self, customer_id: int, key: str) -> TicketState | None:
        found = self._call(lambda: self.client.get(self._ticket_key(customer_id, key)))
        if found is None:
            return None
        state, _bar, detail = _text(found).partition("|")
        return TicketState(state, detail)

    def requeue_older_than(self, moment: datetime) -> int:
        """Put back in the queue the tickets a worker took before ``moment`` and never
        settled (a worker that died): the time it began them, else when they were admitted."""
        moved = 0
        held: Any = self._call(lambda: self.client.lrange(self._processing, 0, -1))
        for raw in held:
            ticket = Ticket.loads(raw)
            began: Any = self._call(partial(self.client.hget, self._taken, _field(ticket)))
            since = _text(began) if began is not None else ticket.admitted_at
            if datetime.fromisoformat(since) < moment:
                moved += int(self._call(partial(self._requeue,
                                                keys=[self._processing, self._queue],
                                                args=[raw])))
        return moved

    def counts(self, sale: Sale) -> LaneCounts | None:
        left, _buyers, pending, stats = self._sale_keys(sale)

        def read() -> Any:
            pipe: Any = self.client.pipeline(transaction=True)
            pipe.get(left)
            pipe.get(pending)
            pipe.hgetall(stats)
            return pipe.execute()

        found_left, found_pending, found_stats = self._call(read)
        if found_left is None:
            return None
        numbers = {_text(k): int(v) for k, v in found_stats.items()}
        return LaneCounts(int(found_left), int(found_pending or 0),
                          numbers.get("admitted", 0), numbers.get("written", 0),
                          numbers.get("failed", 0))

    def forget(self, sale: Sale) -> None:
        self._call(lambda: self.client.delete(*self._sale_keys(sale)))

    # -- the breaker -------------------------------------------------------------------------

    def _call(self, step: Callable[[], T]) -> T:
        if time.monotonic() < self._down_until:
            raise LaneDown("the flash-sale lane is resting after Redis failed to answer")
        try:
            return step()
        except (RedisError, OSError) as exc:  # refused, timed out, out of memory, read-only…
            self._down_until = time.monotonic() + BREAKER_SECONDS
            raise LaneDown(str(exc)) from exc


def _field(ticket: Ticket) -> str:
    return f"{ticket.customer_id}:{ticket.key}"


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
