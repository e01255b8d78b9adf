"""Which domains react to events: each lists its handlers in its own ``handlers.py``, and that
module is named here, once. Ordering and payments add theirs the same way."""

from __future__ import annotations

from shop.application.catalog import handlers as catalog
from shop.application.events.handlers import HandlerRegistry
from shop.application.ordering import handlers as ordering
from shop.application.rewards import handlers as rewards

HANDLER_MODULES = (catalog, ordering, rewards)


def default_registry() -> HandlerRegistry:
    return HandlerRegistry(handler for module in HANDLER_MODULES for handler in module.HANDLERS)
