"""The demo shop's shipping methods: a fast carrier, free above ¥99, and a cheaper one that
does not reach 西藏, each dearer for the far west, so that checkout has a choice to make."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: 新疆 and 西藏: the provinces carriers charge most for.
XINJIANG, TIBET = "650000", "540000"

METHODS: tuple[dict[str, Any], ...] = (
    {"code": "sf", "name_zh": "顺丰速运", "name_en": "SF Express", "position": 10,
     "free_above": "99.00",
     "rules": [
         {"region": "*", "first_weight_grams": 1000, "first_fee": "12.00",
          "additional_weight_grams": 1000, "additional_fee": "2.00"},
         {"region": XINJIANG, "first_weight_grams": 1000, "first_fee": "22.00",
          "additional_weight_grams": 1000, "additional_fee": "10.00"},
         {"region": TIBET, "first_weight_grams": 1000, "first_fee": "25.00",
          "additional_weight_grams": 1000, "additional_fee": "12.00"}]},
    {"code": "zto", "name_zh": "中通快递", "name_en": "ZTO Express", "position": 20,
     "rules": [
         {"region": "*", "first_weight_grams": 1000, "first_fee": "8.00",
          "additional_weight_grams": 1000, "additional_fee": "1.50"},
         {"region": XINJIANG, "first_weight_grams": 1000, "first_fee": "15.00",
          "additional_weight_grams": 1000, "additional_fee": "6.00"}],
     "excluded_regions": [TIBET]},
)


def load_shipping_methods(uow: UnitOfWork) -> int:
    """Create the demo methods the shop does not have yet (by code); how many were created.
    Through the shipping service, so they are validated and audited like staff's."""
    existing = {method.code for method in uow.shipping.methods()}
    missing = [method for method in METHODS if method["code"] not in existing]
    for method in missing:
        uow.shipping.create_method(method)
    return len(missing)
