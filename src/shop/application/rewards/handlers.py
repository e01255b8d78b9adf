"""How rewards react to other domains' events (see ``shop.application.events.registry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.application.events.catalog import CustomerRegistered, OrderPaid
from shop.application.events.handlers import handles

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@handles(CustomerRegistered, "rewards.registration_gift")
def grant_registration_gift(uow: UnitOfWork, event: CustomerRegistered) -> None:
    """注册有礼: the new account's gift, once (the journal's reference makes sure of it)."""
    uow.rewards.on_registered(event.customer_id)


@handles(OrderPaid, "rewards.referral_reward")
def reward_referrer(uow: UnitOfWork, event: OrderPaid) -> None:
    """推荐有礼: the referrer's reward when a referred account pays an order; the journal's
    reference grants it for the first paid order only."""
    uow.rewards.on_first_order_paid(event.customer_id)


HANDLERS = (grant_registration_gift, reward_referrer)
