"""Which domains react to events: each lists its handlers in its own ``handlers.py``, and that
module is named here, once."""

from __future__ import annotations

from shop.application.catalog import handlers as catalog
from shop.application.events.handlers import HandlerRegistry
from shop.application.ordering import handlers as ordering
from shop.application.payments import handlers as payments
from shop.application.rewards import handlers as rewards

HANDLER_MODULES = (catalog, ordering, payments, rewards)


def default_registry() -> HandlerRegistry:
    return HandlerRegistry(handler for module in HANDLER_MODULES for handler in module.HANDLERS)
