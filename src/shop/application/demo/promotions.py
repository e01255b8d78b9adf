"""The demo shop's campaigns and coupons, so a new user meets promotions at once: a tiered 满减 on
the whole shop, 9折 on men's shirts, a flash sale on one jacket that runs for three days; a
coupon to claim in the coupon center, one for every new account, and a public code. Each goes
through its service, validated and audited like staff's; campaigns only if their code is free,
coupons only into a shop that has none (the demo loads once, but a re-run of this step must not
fail)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.data.repositories.promotions import PromotionRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: The flash sale's SKU: the first SKU the demo makes (a jacket), half price, 100 of them.
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
            {"code": "flash-sale", "name_zh": "限时秒杀", "name_en": "Flash sale",
             "description_zh": "每人限购1件，共100件。",
             "description_en": "One per shopper, 100 in all.",
             "kind": "flash_sale", "per_customer_limit": "1",
             "rule": {"items": f"{sku.code}:{(sku.price / 2).quantize(Decimal('0.01'))}:100"},
             "stacking": {"mode": "exclusive", "priority": "100"},
             "starts_at": now.isoformat(), "ends_at": (now + timedelta(days=3)).isoformat()})
    return made


EVERYTHING = {"everything": True}
#: 满300减30 to claim (1,000 of them, one each), ¥10 off ¥99 for every new account, and
#: WELCOME: 5% off up to ¥50, once per shopper, for anyone who types it.
COUPONS: tuple[dict[str, Any], ...] = (
    {"name_zh": "满300减30", "name_en": "¥30 off ¥300", "kind": "amount", "amount": "30.00",
     "min_spend": "300.00", "scope": EVERYTHING, "stacking": {"mode": "stackable"},
     "valid_days": 30, "total_quantity": 1000, "per_customer_limit": 1, "claimable": True},
    {"name_zh": "新人券 满99减10", "name_en": "Welcome: ¥10 off ¥99", "kind": "amount",
     "amount": "10.00", "min_spend": "99.00", "scope": EVERYTHING,
     "stacking": {"mode": "stackable"}, "valid_days": 30, "on_registration": True},
    {"name_zh": "口令券 95折", "name_en": "Code WELCOME: 5% off", "kind": "percent",
     "percent": "5", "cap": "50.00", "scope": EVERYTHING, "stacking": {"mode": "stackable"},
     "valid_days": 365, "public_code": "WELCOME"},
)


def load_promotions(uow: UnitOfWork) -> int:
    """Create the demo campaigns whose codes are free, and the demo coupons into a shop with
    no coupon template yet; how many were created."""
    repo = PromotionRepository(uow._session)
    missing = [c for c in campaigns(uow) if repo.by_code(c["code"]) is None]
    for campaign in missing:
        uow.promotions.create(campaign)
    coupons = () if uow.coupons.templates(limit=1) else COUPONS
    for template in coupons:
        uow.coupons.create_template(template)
    return len(missing) + len(coupons)
