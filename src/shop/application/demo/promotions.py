"""The demo shop's campaigns, so a new user meets promotions at once: a tiered 满减 on the whole
shop, 9折 on men's shirts, and a flash sale on one T-shirt that runs for three days. Each goes
through the campaign service, validated and audited like staff's, and only if its code is free
(the demo loads once, but a re-run of this step must not fail)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.data.repositories.promotions import PromotionRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: The flash sale's SKU: the first SKU the demo makes (a T-shirt), half price, 100 of them.
FLASH_SKU = "SKU00000001"


def campaigns(uow: UnitOfWork) -> list[dict[str, Any]]:
    now = uow.clock.now()
    month = {"starts_at": (now - timedelta(days=1)).isoformat(),
             "ends_at": (now + timedelta(days=30)).isoformat()}
    found = PromotionRepository(uow._session).sku_floors([FLASH_SKU])
    made = [
        {"code": "double-12", "name_zh": "双十二满减", "name_en": "Double 12 sale",
         "description_zh": "全场满200减20，满500减60。",
         "description_en": "Spend ¥200 save ¥20, spend ¥500 save ¥60, on everything.",
         "kind": "spend_save", "rule": {"tiers": "200:20, 500:60"},
         "stacking": {"group": "order", "priority": "10"}, **month},
        {"code": "shirts-90", "name_zh": "衬衫9折", "name_en": "Shirts 10% off",
         "description_zh": "男士衬衫全部9折。", "description_en": "Every men's shirt 10% off.",
         "kind": "percent_off", "rule": {"percent": "10"},
         "scope": {"categories": "men-shirts"}, "stacking": {"group": "price"}, **month}]
    if found:
        sku = found[0]
        made.append(
            {"code": "flash-tee", "name_zh": "T恤限时秒杀", "name_en": "T-shirt flash sale",
             "description_zh": "每人限购1件，共100件。",
             "description_en": "One per shopper, 100 in all.",
             "kind": "flash_sale", "per_customer_limit": "1",
             "rule": {"items": f"{sku.code}:{(sku.price / 2).quantize(Decimal('0.01'))}:100"},
             "stacking": {"mode": "exclusive", "priority": "100"},
             "starts_at": now.isoformat(), "ends_at": (now + timedelta(days=3)).isoformat()})
    return made


def load_promotions(uow: UnitOfWork) -> int:
    """Create the demo campaigns whose codes are free; how many were created."""
    repo = PromotionRepository(uow._session)
    missing = [c for c in campaigns(uow) if repo.by_code(c["code"]) is None]
    for campaign in missing:
        uow.promotions.create(campaign)
    return len(missing)
