"""Declaring event handlers, and the registry that finds them by event and by name.

A domain reacts to another's events in its own ``handlers.py``::

    @handles(CustomerRegistered, "rewards.registration_gift")
    def grant_registration_gift(uow: UnitOfWork, event: CustomerRegistered) -> None:
        uow.rewards.on_registered(event.customer_id)

    HANDLERS = (grant_registration_gift,)

and ``shop.application.events.registry`` lists that module. The name is stored with every
delivery, so it must stay the same when the function is renamed or moved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from shop.application.events.catalog import EVENT_TYPES
from shop.application.events.payloads import Event

if TYPE_CHECKING:
    from shop.application import UnitOfWork

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class EventHandler(Generic[E]):
    """``run(uow, event)`` in its own unit of work, as the system actor, after the event's
    transaction committed. It may raise: the delivery is retried later with backoff."""

    name: str
    event: type[E]
    run: Callable[[UnitOfWork, E], None]


def handles(event: type[E], name: str) -> Callable[[Callable[[UnitOfWork, E], None]],
                                                   EventHandler[E]]:
    """Decorator: the function becomes the handler ``name`` of ``event``."""

    def declare(run: Callable[[UnitOfWork, E], None]) -> EventHandler[E]:
        return EventHandler(name, event, run)

    return declare


class HandlerRegistry:
    """The handlers of one shop: by event name (to fan out) and by name (to run one)."""

    def __init__(self, handlers: Iterable[EventHandler[Any]]) -> None:
        self._by_name: dict[str, EventHandler[Any]] = {}
        self._by_event: dict[str, list[EventHandler[Any]]] = {}
        for handler in handlers:
            if handler.name in self._by_name:
                raise ValueError(f"two event handlers are named {handler.name!r}")
            if EVENT_TYPES.get(handler.event.name) is not handler.event:
                raise ValueError(f"{handler.name} handles {handler.event.name!r}, "
                                 "which is not in shop.application.events.catalog")
            self._by_name[handler.name] = handler
            self._by_event.setdefault(handler.event.name, []).append(handler)

    def for_event(self, event_name: str) -> list[EventHandler[Any]]:
        return list(self._by_event.get(event_name, ()))

    def get(self, handler_name: str) -> EventHandler[Any] | None:
        return self._by_name.get(handler_name)

    def names(self) -> list[str]:
        return sorted(self._by_name)
